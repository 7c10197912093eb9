"""The course application's messages in the language chosen with ``--lang``,
``nn.set_language``, CHAINRULE_LANG or the locale (its own gettext catalog:
chainrule/locale/zh/LC_MESSAGES/chainrule.po; see nn.i18n)."""
from pathlib import Path

from nn.i18n import N_, Translator

CHAINRULE = Translator("chainrule", Path(__file__).parent / "locale")
_ = CHAINRULE.gettext
ngettext = CHAINRULE.ngettext

__all__ = ["N_", "_", "ngettext"]
