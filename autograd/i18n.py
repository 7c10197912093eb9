"""The language chainrule speaks, English or Chinese (中文): the one switch for
every package, kept here in the engine so that the engine's own errors speak it
too (autograd imports nothing of nn; nn.i18n re-exports these names, and
``nn.set_language`` is this module's :func:`set_language`).

Messages are written in English in the code, wrapped in ``_()`` (or
``ngettext()`` where English has a plural), and translated through gettext
catalogs: each package keeps its own in its ``locale/`` folder, under its own
domain (:class:`Translator`); ``make catalogs`` extracts, updates and compiles
them with Babel. Placeholders are named (``{count}``) and filled after
translation, so a translation may put them in its own order. The engine calls
``_()`` only when it raises or reports, never on a computation's path.

The language, in order of precedence: :func:`set_language` (or the ``--lang``
option of every ``chainrule`` command), the ``CHAINRULE_LANG`` environment
variable, the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_*`` gives
Chinese), else English.

>>> from autograd.i18n import set_language, _
>>> set_language("zh"); _("log is defined for positive numbers only")
'log 只对正数有定义'
>>> set_language("en"); _("log is defined for positive numbers only")
'log is defined for positive numbers only'
"""
from __future__ import annotations

import contextlib
import functools
import gettext
import os
from pathlib import Path
from typing import Iterator, Mapping, Optional

LANGUAGES = ("en", "zh")
LOCALE_DIR = Path(__file__).parent / "locale"  # the engine's own catalog
ENV_VAR = "CHAINRULE_LANG"

_chosen: Optional[str] = None  # set by set_language(); None: follow the environment


def normalise(name: str, where: str = "language") -> str:
    """'zh', 'zh_CN', 'zh-Hans', 'zh_CN.UTF-8' -> 'zh'; 'en', 'en_US', 'C' -> 'en'.
    Anything else is a ValueError naming ``where`` and the choices."""
    if not isinstance(name, str):
        raise TypeError(_("{where}: expected a language name such as 'zh' or 'en', got {name}").format(
            where=where, name=repr(name)))
    base = name.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    if base in ("c", "posix"):
        return "en"
    if base not in LANGUAGES:
        raise ValueError(_("{where}: unknown language {name} (choose zh for 中文 or en for English)").format(
            where=where, name=repr(name)))
    return base


def language_from_environment(env: Optional[Mapping[str, str]] = None) -> str:
    """The language the environment asks for: CHAINRULE_LANG, then the locale."""
    env = os.environ if env is None else env
    wanted = env.get(ENV_VAR, "").strip()
    if wanted:
        try:
            return normalise(wanted, ENV_VAR)
        except ValueError:
            return "en"  # a typo in the environment must not stop every command
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def language() -> str:
    """The language in use now: ``'zh'`` or ``'en'``."""
    return _chosen if _chosen is not None else language_from_environment()


def set_language(name: Optional[str]) -> str:
    """Speak ``name`` from now on (``'zh'`` or ``'en'``; ``None``: follow the
    environment again). Returns the language now in use."""
    global _chosen
    _chosen = None if name is None else normalise(name)
    return language()


@contextlib.contextmanager
def using_language(name: Optional[str]) -> Iterator[str]:
    """``with using_language("zh"): ...``: the language for a block, then back."""
    global _chosen
    before = _chosen
    try:
        yield set_language(name)
    finally:
        _chosen = before


@functools.lru_cache(maxsize=None)
def _catalog(lang: str, domain: str, locale_dir: str) -> gettext.NullTranslations:
    if lang == "en":  # the code's own language: no catalog
        return gettext.NullTranslations()
    return gettext.translation(domain, localedir=locale_dir, languages=[lang])


class Translator:
    """The messages of one package: each package (autograd, nn, viz, chainrule) keeps its
    own catalog in its own ``locale/`` folder, under its own gettext domain, so
    that the packages' translations stay apart as their code does.

    >>> _ = Translator("viz", Path(viz.__file__).parent / "locale").gettext
    """

    def __init__(self, domain: str, locale_dir: Path) -> None:
        self.domain = domain
        self.locale_dir = Path(locale_dir)

    def gettext(self, message: str) -> str:
        """``message`` in the current language."""
        return _catalog(language(), self.domain, str(self.locale_dir)).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural of a message for ``n``, in the current language."""
        return _catalog(language(), self.domain, str(self.locale_dir)).ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` as meant in ``context`` (one English word, two Chinese ones:
        "loss" as a report's row label is 损失函数, as a column of numbers 损失)."""
        return _catalog(language(), self.domain, str(self.locale_dir)).pgettext(context, message)


AUTOGRAD = Translator("autograd", LOCALE_DIR)
_ = AUTOGRAD.gettext
ngettext = AUTOGRAD.ngettext


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it yet (for
    constants defined at import time: translate them with ``_()`` where used)."""
    return message
