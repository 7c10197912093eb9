"""Quantities: the names a spec's figure check and notes use for the numbers of
a worked solution. A node's name (``out_h1``: its value in the first forward
pass), ``dA/dB`` (the derivative of A with respect to B, summed over every
path), ``w1+`` (after the first update), ``Δw1`` (the change), ``name@K`` (after
K updates), and a leading ``-`` for the negative; ``{quantity}`` or
``{quantity:digits}`` inside a note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nn import naming

from .errors import SpecError, show
from .i18n import _

# The most updates any count asks for (a spec's after, name@K, solve(after=...)).
MAX_UPDATES = 100_000


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: kind is 'value', 'derivative', 'updated', 'change' or 'after'."""

    kind: str
    a: str
    b: str = ""
    k: int = 0
    sign: float = 1.0


# {quantity} or {quantity:digits} inside a note
PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::(\d+))?\}")
_AFTER = re.compile(r"^(\w+)@(\d+)$")


def parse_quantity(text: Any, labels: set[str], key: str = "quantity") -> Quantity:
    if not isinstance(text, str) or not text.strip():
        raise SpecError(key, _("expected a quantity such as out_h1, dE_total/dw7, w1+ or w1@1001, "
                               "got {value}").format(value=show(text)))
    q = text.strip().replace(" ", "")
    sign = 1.0
    if q.startswith("-"):
        sign, q = -1.0, q[1:]

    def known(n: str) -> str:
        if n not in labels:
            names = ", ".join(sorted(labels, key=naming.reading_order))
            if text.strip() == n:  # the quantity is the name itself: say it once
                raise SpecError(key, _("{value} is not in this network (names: {names})").format(
                    value=show(text), names=names))
            raise SpecError(key, _("{value} names {name}, which is not in this network "
                                   "(names: {names})").format(
                value=show(text), name=show(n), names=names))
        return n

    names = naming.derivative_of(q)
    if names:
        return Quantity("derivative", known(names[0]), known(names[1]), sign=sign)
    m = _AFTER.match(q)
    if m:
        count = m.group(2)
        if len(count) > len(str(MAX_UPDATES)) or int(count) > MAX_UPDATES:
            raise SpecError(key, _("{value}: at most {most} updates").format(value=show(text),
                                                                             most=MAX_UPDATES))
        return Quantity("after", known(m.group(1)), k=int(count), sign=sign)
    if q.endswith("+"):
        return Quantity("updated", known(q[:-1]), sign=sign)
    if q.startswith("Δ"):
        return Quantity("change", known(q[1:]), sign=sign)
    if q.isidentifier():
        return Quantity("value", known(q), sign=sign)
    raise SpecError(key, _("cannot read {value} (write out_h1, dE_total/dw7, w1+, Δw1 or "
                           "out_o1@100)").format(value=show(text)))
