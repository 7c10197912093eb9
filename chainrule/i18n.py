"""The course application's messages in the language chosen with ``--lang``,
``nn.set_language``, CHAINRULE_LANG or the locale (its own gettext catalog:
chainrule/locale/zh/LC_MESSAGES/chainrule.po; see nn.i18n)."""
import unicodedata
from pathlib import Path

from nn.i18n import N_, Translator

CHAINRULE = Translator("chainrule", Path(__file__).parent / "locale")
_ = CHAINRULE.gettext
ngettext = CHAINRULE.ngettext
pgettext = CHAINRULE.pgettext



def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, columns: int) -> str:
    """``text`` padded on the right to ``columns`` terminal columns (str.ljust counts characters)."""
    return text + " " * max(0, columns - width(text))


def rjust(text: str, columns: int) -> str:
    """``text`` padded on the left to ``columns`` terminal columns."""
    return " " * max(0, columns - width(text)) + text


__all__ = ["N_", "_", "ljust", "ngettext", "rjust", "width"]
