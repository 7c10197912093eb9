"""The application's errors: what a user is told when a spec, or the numbers
in it, cannot be solved (one line each, naming the key or the value), and how a
message quotes a bad value."""
from __future__ import annotations

import math
import reprlib
from typing import Any

from .i18n import _


class SpecError(ValueError):
    """An invalid spec: ``key`` names where, the message says what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)


class ArgumentError(SpecError):
    """A bad argument of one of the application's functions (not of the spec):
    ``function`` and ``argument`` name it as Python does, ``solve(after=...)``.
    The command line says the same in its own words (its flag, ``--after``)."""

    def __init__(self, function: str, argument: str, problem: str) -> None:
        self.function = function
        self.argument = argument
        super().__init__(f"{function}({argument}=...)", problem)


class SolveError(SpecError):
    """A valid spec whose numbers cannot be solved: the forward pass overflows
    to inf or nan, or cross-entropy meets an output that rounds to 0."""

    def __init__(self, problem: str) -> None:
        super().__init__("", problem)


class _ShortRepr(reprlib.Repr):
    """A value as an error message quotes it: short, whatever its size or
    nesting (a list nested thousands deep, an integer of thousands of digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxstring, self.maxother = 3, 6, 60, 40

    def repr_int(self, x: int, level: int) -> str:
        if abs(x) < 10 ** 30:
            return repr(x)
        # repr() itself refuses past 4300 digits; log10 takes any int
        return _("an integer of {digits} digits").format(digits=f"{math.floor(math.log10(abs(x))) + 1:,}")


def show(x: Any) -> str:
    if isinstance(x, bool):
        return _("{value} (a boolean)").format(value=str(x).lower())
    if isinstance(x, dict):
        return _("a table")
    return clip(_ShortRepr().repr(x))


def clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."
