"""viz's messages in the language chosen with ``nn.set_language`` (its own
gettext catalog: viz/locale/zh/LC_MESSAGES/viz.po; see nn.i18n)."""
from pathlib import Path

from nn.i18n import N_, Translator, language

VIZ = Translator("viz", Path(__file__).parent / "locale")
_ = VIZ.gettext
ngettext = VIZ.ngettext

__all__ = ["N_", "_", "language", "ngettext"]
