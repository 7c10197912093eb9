"""A variant as a Moodle XML quiz a teacher imports (Question bank > Import >
Moodle XML): one Cloze question per stage of the work (forward pass, backward
pass, update, after K updates), each asked figure an embedded NUMERICAL answer::

    {1:NUMERICAL:=0.593270:0.001#Correct~%0%0.412:0.001#The sigmoid's derivative ...~*#...}

The right value comes first with its tolerance (half a unit in the third
significant digit: right to 3 significant digits, so a student who rounds
intermediate results to 4 significant digits still lands inside it). Then the values each misconception of
:mod:`chainrule.exercise.misconceptions` gives, with zero credit (the other
update convention: half credit) and the misconception's explanation as the
feedback; a value the tolerance cannot tell from the right one is left out,
two misconceptions giving one number share it. Last, any other number: the formula.

Three layers of text, each escaped once: Cloze (``}``, ``#``, ``~`` and ``\\``
in feedback), the question's HTML, then XML (by ElementTree).
"""
from __future__ import annotations

import base64
import html
import math
import xml.etree.ElementTree as ET
from typing import Optional

from ..i18n import _
from .generate import Exercise, Student, printed
from .key import formula
from .worksheet import by_stage, given_lines, network_svg, setting_lines, stage_title

# Credit of an answer a misconception gives (percent); the rest get none.
CREDIT = {"sequential_update": 50}
NETWORK_FILE = "network.svg"


def tolerance(value: float) -> float:
    """Half a unit in the third significant digit of ``value`` (right to 3
    significant digits, as a mark reads at least; 1e-6 for 0)."""
    if value == 0:
        return 1e-6
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - 2)


def cloze_number(x: float) -> str:
    """A number as Cloze reads it (no thousands separator, an e exponent)."""
    text = f"{x:.12g}"
    return "0" if text == "-0" else text


def cloze_text(text: str) -> str:
    """Feedback inside a Cloze answer: HTML-escaped, and Cloze's own marks escaped
    (Moodle ends a feedback at an unescaped ``~`` or ``}``)."""
    text = html.escape(text, quote=False)
    for mark in ("\\", "}", "#", "~"):
        text = text.replace(mark, "\\" + mark)
    return text


def misconception_answers(ex: Exercise) -> dict[str, list[tuple[str, float, str]]]:
    """quantity -> [(code, value, explanation)] for every asked figure a
    misconception changes, in the catalogue's order."""
    from .misconceptions import MISCONCEPTIONS, misconceived_figures
    from .workings import Frame, Rules, read_quantity, work

    spec = ex.spec
    # every network works through (softmax + cross-entropy, step, a dead relu): a
    # misconception that does not apply to it gives no figure
    frame = Frame(spec)
    keys = {q: read_quantity(q, frame) for q in ex.asked}
    right = work(frame, Rules(spec.convention), {}, [k for k, _sign in keys.values()])
    answers: dict[str, list[tuple[str, float, str]]] = {}
    for code, m in MISCONCEPTIONS.items():
        for q, value in misconceived_figures(spec, code, ex.asked).items():
            key, sign = keys[q]
            # the feedback of a student who typed this value: the answer it shares with an
            # earlier misconception's (one the tolerance cannot tell apart) quoted as that one
            tol = tolerance(sign * right[key])
            shown = next((v for _c, v, _w in answers.get(q, ()) if abs(v - value) <= 2 * tol), value)
            why = m.explain(frame, right, key, q, sign * right[key], spec.convention,
                            given=printed(shown), sign=sign)
            answers.setdefault(q, []).append((code, value, why))
    return answers


def cloze(ex: Exercise, quantity: str, wrong: list[tuple[str, float, str]]) -> str:
    """The embedded NUMERICAL answer of one figure."""
    right = ex.values[quantity]
    tol = tolerance(right)
    correct = cloze_text(_("Correct."))
    parts = [f"{{1:NUMERICAL:={cloze_number(right)}:{cloze_number(tol)}#{correct}"]
    for credit, value, why in _distinct_answers(right, tol, wrong):
        parts.append(f"%{credit}%{cloze_number(value)}:{cloze_number(tol)}#{cloze_text(why)}")
    parts.append("*#" + cloze_text(_("Not right. {formula}").format(formula=formula(ex.spec, quantity))))
    return "~".join(parts) + "}"


def _distinct_answers(right: float, tol: float, wrong: list[tuple[str, float, str]]
                      ) -> list[tuple[int, float, str]]:
    """(credit, value, feedback) of each number the misconceptions give: one a
    tolerance cannot tell from the right value is left out (never a guess); two
    misconceptions that give the same number share it, both explained, the
    lower credit given."""
    answers: list[tuple[int, float, str]] = []
    for code, value, why in wrong:
        if abs(value - right) <= 2 * tol:
            continue
        same = next((i for i, (_c, v, _w) in enumerate(answers) if abs(value - v) <= 2 * tol), None)
        if same is None:
            answers.append((CREDIT.get(code, 0), value, why))
        else:
            credit, v, text = answers[same]
            answers[same] = (min(credit, CREDIT.get(code, 0)), v,
                             _("{first} Or: {second}").format(first=text, second=why))
    return answers


def _givens_html(ex: Exercise, picture: bool) -> str:
    e = html.escape
    rows = "".join(f"<tr><th>{e(a)}</th><td>{e(b)}</td></tr>"
                   for a, b in given_lines(ex.spec) + setting_lines(ex.spec))
    alt = e(_("The network"))
    img = (f'<p><img src="@@PLUGINFILE@@/{NETWORK_FILE}" alt="{alt}" style="max-width:100%"></p>'
           if picture else "")
    return f"{img}<table border=\"1\" cellpadding=\"4\">{rows}</table>"


def question_text(ex: Exercise, stage: str, quantities: list[str], picture: bool,
                  wrong: dict[str, list[tuple[str, float, str]]]) -> str:
    e = html.escape
    rows = "".join(f"<tr><td><code>{e(q)}</code></td><td>{cloze(ex, q, wrong.get(q, []))}</td></tr>"
                   for q in quantities)
    how = e(_("give each figure with 6 decimals."))
    return (f"{_givens_html(ex, picture)}<p>{e(stage_title(stage, ex))}: {how}</p>"
            f'<table border="1" cellpadding="4">{rows}</table>')


def _text_element(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def quiz_xml(ex: Exercise, student: Optional[Student] = None) -> str:
    """The Moodle XML quiz of a variant (a category, then one Cloze question per stage)."""
    spec = ex.spec
    title = spec.text("title") or _("Backpropagation by hand")
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", type="category")
    _text_element(category, "category", f"$course$/top/chainrule/{spec.name}")
    wrong = misconception_answers(ex)
    svg = base64.b64encode(network_svg(spec).encode("utf-8")).decode("ascii")
    who = f" · {student.name or student.id}" if student else ""
    for n, (stage, quantities) in enumerate(by_stage(ex)):
        q = ET.SubElement(quiz, "question", type="cloze")
        _text_element(q, "name", f"{title}{who} · {ex.seed} · {n + 1}. {stage_title(stage, ex)}")
        text = _text_element(q, "questiontext", question_text(ex, stage, quantities, n == 0, wrong),
                             format="html")
        if n == 0:
            ET.SubElement(text, "file", name=NETWORK_FILE, path="/", encoding="base64").text = svg
        # the value first: a formula may end with a note in brackets, (η = 0.5)
        formulas = "".join("<li>{}</li>".format(html.escape(_("{quantity} = {value}, from {formula}").format(
            quantity=x, value=ex.printed(x), formula=formula(spec, x).split(" = ", 1)[1])))
            for x in quantities)
        _text_element(q, "generalfeedback", f"<ul>{formulas}</ul>", format="html")
        ET.SubElement(q, "penalty").text = "0.3333333"
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = f"{spec.name}-{stage}"
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
