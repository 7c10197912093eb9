"""The language chainrule speaks: English or Chinese (中文), one switch for everything.

The machinery and the one language state live in the engine, autograd.i18n
(so that the engine's errors speak the language too; autograd imports nothing of
nn); this module re-exports them and holds nn's own catalog and :func:`pick`.

Messages are written in English in the code, wrapped in ``_()`` (or
``ngettext()`` where English has a plural), and translated through gettext
catalogs: each package keeps its own in its ``locale/`` folder, under its own
domain (:class:`Translator`); ``make catalogs`` extracts, updates and compiles
them with Babel. Placeholders are named (``{count}``) and filled
after translation, so a translation may put them in its own order.

The language, in order of precedence: :func:`set_language` (or the ``--lang``
option of every ``chainrule`` command), the ``CHAINRULE_LANG`` environment
variable, the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_*`` gives
Chinese), else English.

>>> from nn.i18n import set_language, _
>>> set_language("zh"); _("forward pass")
'前向传播'
>>> set_language("en"); _("forward pass")
'forward pass'
"""
from __future__ import annotations

from pathlib import Path

# One language state for every package: the engine's (autograd.i18n), re-exported here.
from autograd.i18n import (
    ENV_VAR,
    LANGUAGES,
    N_,
    Translator,
    language,
    language_from_environment,
    normalise,
    set_language,
    using_language,
)

LOCALE_DIR = Path(__file__).parent / "locale"

NN = Translator("nn", LOCALE_DIR)
_ = NN.gettext
ngettext = NN.ngettext


def pick(english: str, chinese: str) -> str:
    """One of two texts written side by side, for the notebooks' own plot titles
    and labels: ``plt.title(pick("Loss per epoch", "每轮的损失"))``."""
    return chinese if language() == "zh" else english


__all__ = ["ENV_VAR", "LANGUAGES", "LOCALE_DIR", "N_", "NN", "Translator", "_", "language",
           "language_from_environment", "ngettext", "normalise", "pick", "set_language",
           "using_language"]
