"""Marking a student's answer sheet as a teacher would.

An answer sheet is a TOML file with one table ``[answers]``: quantities as in
a spec's slide_check (net_h1, out_o1, E_total, "dE_total/dout_o1", "w5+",
"Δw5", "out_o1@10", ...), values the numbers as the student wrote them (a
string keeps the digits, "0.5930"; a plain number is accepted too; "" for a
blank)::

    [answers]
    net_h1 = "2.35"
    out_h1 = "0.9129"
    "dE_total/dw7" = "0.0781"

Each figure is marked (:func:`check_answers`):

* ``correct``: it equals the exact value rounded to the digits written (at
  least 3 significant digits, unless it is the exact value itself: 0.35, 5),
  or the value worked from the student's own right figures (a student who
  rounds every intermediate result and computes on loses nothing);
* ``carried``: it equals the value worked from the student's own earlier
  figures, an earlier one wrong (error carried forward: one slip, one mark):
  worked from the figures as written (a student who types them back in), or
  at full precision from the right ones with the slips as written, give or
  take what the rounding of those slips can move it (a student whose
  calculator keeps the digits);
* ``wrong``: neither. Every wrong figure is run against the catalogue of
  misconceptions on the student's own numbers (the same ways, and on the right
  figures only, for a figure computed from the right value of an earlier one
  miscopied); the one that gives it is the diagnosis (the one that explains
  most of the sheet's wrong figures where several do, the others listed as
  ``alternatives`` and named in the explanation), none where none does;
* ``missing``: asked but blank.

The score counts correct and carried figures as full marks, over the figures
asked (every figure on the sheet when the exercise does not say).
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from autograd import format_number

from ..errors import ArgumentError, SpecError, show
from ..i18n import _, ngettext, pgettext
from ..spec import Spec
from .misconceptions import MISCONCEPTIONS
from .workings import Frame, Key, Rules, read_quantity, work

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

STATUSES = ("correct", "carried", "wrong", "missing")
MIN_SIGNIFICANT = 3
# a diagnosed step worked on the student's figures more than this far (relative) from the
# exact value names the exact value too (rounded intermediates move only the last digits)
OWN_FIGURES_APART = 1e-3
# An answer sheet holds a few dozen figures: anything this large is not one.
MAX_ANSWERS_BYTES = 1_000_000
TOP_KEYS = ("answers", "id", "name")


# --- a figure as written -----------------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """A number as the student wrote it: its value, one unit of its last
    digit, and how many significant digits it has."""

    text: str
    value: float
    unit: float
    significant: int

    def agrees(self, value: float) -> bool:
        """``value`` rounded to the digits written is this number (a tie either way)."""
        if not math.isfinite(value):
            return False
        if abs(value - self.value) <= 1e-12 * max(1.0, abs(value)):
            return True  # the exact value itself, however few its digits
        return (self.significant >= MIN_SIGNIFICANT
                and abs(value - self.value) <= 0.5 * self.unit * (1 + 1e-9))


def written(x: Any, key: str) -> Optional[Written]:
    """A figure of an answer sheet (a string, or a plain number); None for a
    blank (""). A SpecError naming ``key`` for anything else."""
    if isinstance(x, bool) or not isinstance(x, (str, int, float)):
        raise SpecError(key, _("expected a number as written, such as \"0.5930\", got {value}").format(
            value=show(x)))
    text = x.strip() if isinstance(x, str) else repr(float(x)) if isinstance(x, float) else str(x)
    if not text:
        return None
    try:
        d = Decimal(text.replace("−", "-"))
        value = float(d)
    except (InvalidOperation, ValueError, OverflowError):
        raise SpecError(key, _("{value} is not a number").format(value=show(x))) from None
    exponent = d.as_tuple().exponent
    if not d.is_finite() or not math.isfinite(value) or not isinstance(exponent, int) \
            or abs(exponent) > 300:
        raise SpecError(key, _("{value} is not a figure a student writes (write one such as "
                               "\"0.5930\")").format(value=show(x)))
    digits = "".join(map(str, d.as_tuple().digits)).lstrip("0")
    return Written(text, value, 10.0 ** exponent, len(digits))


def load_answers(path: Union[str, Path]) -> dict[str, str]:
    """The ``[answers]`` table of a TOML answer sheet, quantity -> the figure
    as written (plain numbers as their text). A SpecError names the file, and
    the key and value where one is bad."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_ANSWERS_BYTES + 1)
    except (OSError, ValueError) as e:
        from ..spec import _os_reason
        raise SpecError("", _("cannot read {path}: {reason}").format(path=path, reason=_os_reason(e))
                        ) from None
    if len(data) > MAX_ANSWERS_BYTES:
        raise SpecError("", _("{path}: over 1 MB, too large for an answer sheet (is it the right "
                              "file?)").format(path=path))
    try:
        table = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SpecError("", _("{path}: not UTF-8 text; save the answer sheet again with the "
                              "encoding UTF-8").format(path=path)) from None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as e:
        raise SpecError("", _("{path}: not valid TOML: {error}").format(path=path, error=e)) from None
    try:
        return answers_from_dict(table)
    except SpecError as e:
        raise SpecError(f"{path}: {e.key}", e.problem) from None


def answers_from_dict(table: Mapping[str, Any]) -> dict[str, str]:
    """The answers of a sheet read from TOML (``{"answers": {...}}``)."""
    for k in table:
        if k not in TOP_KEYS:
            raise SpecError(k, _("unknown key (an answer sheet has one table [answers], and "
                                 "optionally id and name)"))
    answers = table.get("answers")
    if not isinstance(answers, dict):
        raise SpecError("answers", _("missing: an answer sheet has one table [answers] of "
                                     "quantity = \"figure\""))
    out = {}
    for q, v in answers.items():
        w = written(v, f"answers.{q}")
        out[q] = "" if w is None else w.text
    return out


# --- the marks -----------------------------------------------------------------------------------

@dataclass
class FigureMark:
    """One figure marked. ``expected``: the exact value; ``worked``: the
    value worked from the student's own figures (None where no figure
    differs); ``alternatives``: other misconceptions that give the same figure."""

    quantity: str
    given: Optional[str]
    expected: float
    status: str
    diagnosis: Optional[str] = None
    explanation: str = ""
    worked: Optional[float] = None
    alternatives: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "given": self.given, "expected": self.expected,
                "status": self.status, "diagnosis": self.diagnosis,
                "explanation": self.explanation, "worked": self.worked,
                "alternatives": self.alternatives}


@dataclass
class Marking:
    """A marked sheet: each figure in the order written (the blanks last).
    ``asked``: the figures the exercise asks for, the ones the score counts
    (None: every figure on the sheet); a figure the student added is marked
    too, and serves the error carried forward, but scores nothing."""

    figures: list[FigureMark]
    convention: str
    asked: Optional[list[str]] = None

    @property
    def score(self) -> dict[str, Any]:
        counted = [f for f in self.figures if self.asked is None or f.quantity in self.asked]
        counts = {s: sum(f.status == s for f in counted) for s in STATUSES}
        total = len(counted)
        points = counts["correct"] + counts["carried"]
        return {"points": points, "total": total,
                "percent": round(100.0 * points / total, 1) if total else 100.0, **counts}

    @property
    def all_correct(self) -> bool:
        return all(f.status == "correct" for f in self.figures)

    def to_json(self) -> dict[str, Any]:
        return {"convention": self.convention, "figures": [f.to_json() for f in self.figures],
                "score": self.score}


def check_answers(spec: Spec, answers: Mapping[str, Union[str, float]],
                  convention: Optional[str] = None,
                  asked: Optional[Sequence[str]] = None) -> Marking:
    """Mark ``answers`` (quantity -> figure as written) for the exercise
    ``spec`` under ``convention`` (default the spec's); ``asked``: the
    quantities the exercise asks for (a blank or absent one is ``missing``)."""
    from nn.train import CONVENTIONS
    convention = convention or spec.convention
    if convention not in CONVENTIONS:
        raise ArgumentError("check_answers", "convention", _("unknown value {value} (choose from "
                                                             "{options})").format(
            value=show(convention), options=", ".join(CONVENTIONS)))
    frame = Frame(spec)
    sheet = _Sheet(frame, Rules(convention))
    for q, v in answers.items():
        sheet.add(q, written(v, f"answers.{q}"))
    for q in asked or ():
        if q not in answers:
            sheet.add(q, None)
    return Marking(sheet.mark(), convention, None if asked is None else list(asked))


class _Sheet:
    """The figures of one sheet, read against the frame, then marked."""

    def __init__(self, frame: Frame, rules: Rules) -> None:
        self.frame, self.rules = frame, rules
        self.rows: list[tuple[str, Key, float, Optional[Written]]] = []
        self.given: dict[Key, float] = {}

    def add(self, quantity: str, w: Optional[Written]) -> None:
        key, sign = read_quantity(quantity, self.frame, f"answers.{quantity}")
        self.rows.append((quantity, key, sign, w))
        if w is not None:
            self.given[key] = sign * w.value

    def mark(self) -> list[FigureMark]:
        wanted = [k for _q, k, _s, _w in self.rows]
        exact = work(self.frame, self.rules, {}, wanted)
        mine = work(self.frame, self.rules, self.given, wanted)
        clean, self.right = self._clean(exact, wanted)
        self._slips(exact, mine, wanted)
        marks, wrong = [], []
        for q, key, sign, w in self.rows:
            expected = sign * exact[key]
            if w is None:
                marks.append(FigureMark(q, None, expected, "missing"))
                continue
            m = FigureMark(q, w.text, expected, "wrong", worked=sign * mine[key])
            if w.agrees(expected) or w.agrees(sign * clean[key]):
                m.status, m.worked = "correct", None
            elif w.agrees(m.worked) or self._near(key, sign, w, self.precise):
                m.status = "carried"
            else:
                wrong.append((m, key, sign, w))
            marks.append(m)
        self._say_carried(marks, wanted, mine)
        if wrong:
            self._diagnose(wrong, mine)
        blanks = [m for m in marks if m.status == "missing"]
        return [m for m in marks if m.status != "missing"] + blanks

    def _say_carried(self, marks: list[FigureMark], wanted: list[Key], mine: dict[Key, float]) -> None:
        """Each carried figure's sentence, naming the earlier wrong figures it
        follows from: a slip it moves with (each slip in turn put right), or
        through a carried figure, the wrong ones that one follows from."""
        rows = [(m, k) for m, (_q, k, _s, _w) in zip(marks, self.rows)]
        status = {k: m.status for m, k in rows}
        slips = [k for k in self.slips if status.get(k) in ("wrong", "carried")]
        if not any(m.status == "carried" for m, _k in rows):
            return
        exact = work(self.frame, self.rules, {}, wanted)
        moved = {}
        for s in slips:
            fixed = work(self.frame, self.rules, {**self.given, s: exact[s]}, wanted)
            moved[s] = {k for k in wanted if k in fixed and k in mine and
                        abs(fixed[k] - mine[k]) > 1e-12 * max(1.0, abs(mine[k]))}
        for m, key in rows:
            if m.status != "carried":
                continue
            roots: list[Key] = []
            todo, seen = [key], {key}
            while todo:  # through carried figures back to the wrong ones
                k = todo.pop()
                for s in slips:
                    if k in moved[s] and s not in seen:
                        seen.add(s)
                        (roots if status[s] == "wrong" else todo).append(s)
            shown = [f"{q} = {w.text}" for q, k, _s, w in self.rows if k in roots and w is not None]
            m.explanation = ngettext(
                "Follows correctly from your earlier figure {figures} (the exact value is "
                "{expected}): no mark lost.",
                "Follows correctly from your earlier figures {figures} (the exact value is "
                "{expected}): no mark lost.", max(1, len(shown))).format(
                figures=pgettext("between figures", ", ").join(shown) or "-",
                expected=_num(m.expected, m.given))

    def _slips(self, exact: dict[Key, float], mine: dict[Key, float], wanted: list[Key]) -> None:
        """The student's figures that are not the exact ones (the slips), the
        figures worked at full precision from them (``precise``: a student's
        calculator keeps the digits of the right figures), and how much the
        rounding of the slips as written can move each figure (``slack``)."""
        rows = {k: (s, w) for _q, k, s, w in self.rows if w is not None}
        self.slips = [k for k, (s, w) in rows.items() if not w.agrees(s * exact[k])]
        # the right figures at full precision, the slips as written
        self.pinned = {k: exact[k] if k not in self.slips else v for k, v in self.given.items()}
        self.precise = mine if self.pinned == self.given else work(
            self.frame, self.rules, self.pinned, wanted)
        self.units = {k: w.unit for k, (s, w) in rows.items()}
        self.wanted = wanted
        self.slack: Optional[dict[Key, float]] = None  # worked out when first needed

    def _slack(self, rules: Rules, base: Mapping[Key, float], wanted: list[Key]) -> dict[Key, float]:
        """How far the rounding of each slip as written (half a unit of its last
        digit) can move each figure worked by ``rules`` from ``pinned`` (``base``)."""
        slack = dict.fromkeys(wanted, 0.0)
        for k in self.slips:
            moved = work(self.frame, rules, {**self.pinned, k: self.pinned[k] + 0.5 * self.units[k]},
                         wanted)
            for x in wanted:
                if x in moved and x in base and x != k:
                    slack[x] += abs(moved[x] - base[x])
        return slack

    def _near(self, key: Key, sign: float, w: Written, worked: Mapping[Key, float],
              slack: Optional[Mapping[Key, float]] = None) -> bool:
        """``w`` agrees with ``worked[key]`` within half a unit of its last digit
        and the slack the rounding of the slips it is worked from leaves."""
        if key not in worked or w.significant < MIN_SIGNIFICANT:
            return False
        if slack is None:
            if self.slack is None:
                self.slack = self._slack(self.rules, self.precise, self.wanted)
            slack = self.slack
        room = slack.get(key, 0.0)
        return abs(sign * worked[key] - w.value) <= (0.5 * w.unit + 1.01 * room) * (1 + 1e-9)

    def _clean(self, exact: dict[Key, float], wanted: list[Key]
               ) -> tuple[dict[Key, float], dict[Key, float]]:
        """The figures worked from the student's right figures only, a figure
        that agrees with them counted right in turn (rounded intermediates)."""
        rows = [(k, s, w) for _q, k, s, w in self.rows if w is not None]
        right = {k: s * w.value for k, s, w in rows if w.agrees(s * exact[k])}
        while True:
            worked = work(self.frame, self.rules, right, wanted)
            more = {k: s * w.value for k, s, w in rows
                    if k not in right and w.agrees(s * worked[k])}
            if not more:
                return worked, right
            right.update(more)

    def _rescue(self, wrong: list, todo: set[int], explains: dict[str, set[int]]) -> None:
        """The figures still unexplained, against each misconception at full
        precision with the slack of its own rules (a broken rule can make a
        figure more sensitive to the rounding of the slips: net(1 - net))."""
        wanted = [wrong[i][1] for i in sorted(todo)]
        for code, m in MISCONCEPTIONS.items():
            for rules in m.rules(self.frame.spec, self.rules.convention):
                broken = work(self.frame, rules, self.pinned, wanted)
                slack = self._slack(rules, broken, wanted)
                for i in todo:
                    _mark, key, sign, w = wrong[i]
                    if self._near(key, sign, w, broken, slack):
                        explains.setdefault(code, set()).add(i)

    def _diagnose(self, wrong: list, mine: dict[Key, float]) -> None:
        """Each wrong figure against every misconception, on the student's
        numbers: as written, at full precision, or the right ones only (a figure
        computed from the right value of an earlier one miscopied on the sheet)."""
        spec = self.frame.spec
        explains: dict[str, set[int]] = {}
        # figures after K updates are worked only where one is wrong (each is a run of K updates)
        wanted = [k for _m, k, _s, _w in wrong]
        givens: list[dict[Key, float]] = []
        # a lone slip is the wrong figure itself: no earlier figure to leave out or round
        for g in (self.pinned, self.given) + ((self.right,) if len(self.slips) > 1 else ()):
            if g not in givens:
                givens.append(g)
        # each chain in turn, the next only for the figures still unexplained
        todo = set(range(len(wrong)))
        for given in givens:
            for code, m in MISCONCEPTIONS.items():
                for rules in m.rules(spec, self.rules.convention):
                    broken = work(self.frame, rules, given, [wanted[i] for i in sorted(todo)])
                    for i in todo:
                        _mark, key, sign, w = wrong[i]
                        if key in broken and (w.agrees(sign * broken[key]) or (
                                given is self.pinned and self._near(key, sign, w, broken))):
                            explains.setdefault(code, set()).add(i)
            todo -= {i for found in explains.values() for i in found}
            if not todo:
                break
        if todo and len(self.slips) > 1:
            self._rescue(wrong, todo, explains)
        for i, (mark, key, sign, w) in enumerate(wrong):
            codes = [c for c in MISCONCEPTIONS if i in explains.get(c, ())]
            if not codes:
                if _num(mark.worked, w.text) == _num(mark.expected, w.text):
                    mark.explanation = _("Not {expected}, and no known mistake gives {given}.").format(
                        expected=_num(mark.expected, w.text), given=w.text)
                else:
                    mark.explanation = _("Neither the exact value {expected} nor the value from "
                                         "your own earlier figures ({worked}), and no known mistake "
                                         "gives {given}.").format(
                        expected=_num(mark.expected, w.text), worked=_num(mark.worked, w.text),
                        given=w.text)
                if w.significant < MIN_SIGNIFICANT:
                    mark.explanation = _("Write at least {digits} significant digits: {given} is "
                                         "too rough to mark.").format(digits=MIN_SIGNIFICANT,
                                                                       given=w.text)
                continue
            # the one that explains most of this sheet's wrong figures, then the catalogue's order
            best = max(codes, key=lambda c: len(explains[c]))
            mark.diagnosis = best
            mark.alternatives = [c for c in codes if c != best]
            # the step shown on the numbers the student worked from: their own where
            # written, the figure itself as it should be
            used = {**mine, **{k: v for k, v in self.given.items() if k != key}}
            texts = {k: w2.text for _q, k, s, w2 in self.rows if w2 is not None and s == 1 and k != key}
            mark.explanation = MISCONCEPTIONS[best].explain(
                self.frame, used, key, mark.quantity, mark.worked, self.rules.convention,
                given=w.text, written=texts, sign=sign)
            if abs(mark.worked - mark.expected) > OWN_FIGURES_APART * abs(mark.expected):
                # the step above ends on the student's own numbers, far from the exact value
                # after an earlier slip (not a last digit from rounding): say so, and give the
                # exact value too, else the sentence contradicts the sheet's expected column
                # the space is the message's own: Chinese sets none before its （
                mark.explanation += _(" (That is from your own earlier figures; the exact "
                                      "value is {expected}.)").format(
                    expected=_num(mark.expected, w.text))
            if mark.alternatives:
                mark.explanation += " " + _("(The same figure also comes from: {codes}.)").format(
                    codes=", ".join(mark.alternatives))


def _num(x: Optional[float], given: Optional[str] = None) -> str:
    """A value to 6 decimals, or to as many as the student wrote, if more."""
    places = 6
    if given:
        exponent = Decimal(given.replace("−", "-")).as_tuple().exponent
        places = max(6, -exponent) if isinstance(exponent, int) else 6
    return "-" if x is None else format_number(x, min(places, 17))


# --- the marked sheet in the terminal ---------------------------------------------------------

def status_word(status: str) -> str:
    return {"correct": pgettext("mark", "correct"), "carried": pgettext("mark", "carried"),
            "wrong": pgettext("mark", "wrong"), "missing": pgettext("mark", "missing")}[status]


def render_marking(marking: Marking, title: str = "") -> str:
    """The marked sheet as text: a line per figure (given, expected, status,
    diagnosis), the explanations under it, and the score."""
    from ..i18n import ljust, width
    head = [pgettext("marked sheet", "quantity"), pgettext("marked sheet", "given"),
            pgettext("marked sheet", "expected"), pgettext("marked sheet", "status"),
            pgettext("marked sheet", "diagnosis")]
    rows = [[f.quantity, f.given or "-", _num(f.expected, f.given), status_word(f.status),
             f.diagnosis or ""]
            for f in marking.figures]
    widths = [max(width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = []
    if title:
        lines += [title, ""]
    lines.append("  ".join(ljust(h, w) for h, w in zip(head, widths)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for f, row in zip(marking.figures, rows):
        lines.append("  ".join(ljust(c, w) for c, w in zip(row, widths)).rstrip())
        if f.explanation:
            lines.append("    " + f.explanation)
    s = marking.score
    lines += ["", _("Score: {points} of {total} ({percent}%): {correct} correct, {carried} carried "
                    "forward, {wrong} wrong, {missing} missing.").format(**s)]
    return "\n".join(lines) + "\n"
