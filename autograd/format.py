"""Number formatting shared by repr, reports and pictures."""
from __future__ import annotations

import math

DEFAULT_DIGITS = 6  # the slides print six decimals


def format_number(x: float, digits: int = DEFAULT_DIGITS) -> str:
    """Fixed point with ``digits`` decimals (as the slides print), switching to
    scientific notation where fixed point would hide the value."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0.0:
        return f"{0.0:.{digits}f}"
    if 10.0 ** -digits <= abs(x) < 1e9:
        text = f"{x:.{digits}f}"
        return text
    return f"{x:.{max(digits - 1, 1)}e}"
