"""Chinese text in every picture, on any machine: which font draws it, and how
each renderer is told.

The course is taught in Chinese, so labels and neuron names may be Chinese,
while many machines (a fresh Linux, a CI runner) have no font with Chinese
glyphs. A system font with them is preferred (fontconfig's best match for
``zh-cn``, or the usual Windows/macOS font); otherwise Noto Sans SC, which the
``pylopdf-fonts-zh-cn`` dependency ships (SIL Open Font License). Latin text
keeps its fonts: the CJK font is only ever a fallback for the characters
Arial and Courier New lack.

- :func:`cjk_font`: the font file and its family name.
- :func:`css_families`: a CSS font-family list naming Chinese fonts after the
  Latin one, for SVG and HTML that a browser shows.
- :func:`fontconfig_env`: the environment for a system Graphviz ``dot`` run,
  with the packaged font added to fontconfig for that run only.
- :func:`setup_matplotlib_fonts`: Chinese glyphs in matplotlib figures.

Nothing here runs at import: the font is looked up on first use only.
"""
from __future__ import annotations

import functools
import os
import pathlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

from . import style
from .i18n import _

# Chinese fonts a reader's machine usually has (macOS, Windows, Linux), then the packaged
# one: a browser takes, for each character, the first in the list that has it.
CJK_FAMILIES = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
                "Noto Sans SC", "WenQuanYi Micro Hei")
# Metric twins of Arial and Courier New (Linux has them where Arial is missing): named
# before the Chinese fonts so that Latin text never falls to a Chinese font's Latin.
_LATIN_TWINS = {style.FONT: ("Arimo", "Liberation Sans", "Helvetica"),
                style.MONO: ("Cousine", "Liberation Mono", "Courier")}
_GENERIC = {style.FONT: "sans-serif", style.MONO: "monospace"}

# Characters the Latin fonts (and graphviz-pure's bundled Arimo/Cousine/Tinos) lack: CJK
# radicals, punctuation, kana, ideographs, Hangul, compatibility and full-width forms.
_CJK = ("[\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe10-\ufe1f"
        "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")

# Where Windows and macOS keep a Simplified Chinese font when there is no fontconfig.
_KNOWN_SYSTEM_FONTS = (
    ("Fonts/msyh.ttc", "Microsoft YaHei"),      # under %WINDIR%
    ("Fonts/simhei.ttf", "SimHei"),
    ("Fonts/simsun.ttc", "SimSun"),
    ("/System/Library/Fonts/PingFang.ttc", "PingFang SC"),
    ("/System/Library/Fonts/STHeiti Medium.ttc", "Heiti SC"),
    ("/Library/Fonts/Arial Unicode.ttf", "Arial Unicode MS"),
)


@dataclass(frozen=True)
class CJKFont:
    """A font file with Simplified Chinese glyphs."""

    path: pathlib.Path
    family: str
    source: str  # "system" or "package"


@functools.lru_cache(maxsize=None)
def _cjk_pattern() -> re.Pattern:
    return re.compile(_CJK)  # compiled on first use: 4 ms that `import viz` need not pay


def needs_cjk(text: str) -> bool:
    """Whether ``text`` has characters only a CJK font draws."""
    return _cjk_pattern().search(text) is not None


def css_families(font: str, embedded: bool = False) -> str:
    """The CSS font-family list for ``font`` (style.FONT or style.MONO):
    itself, its metric twins, the usual Chinese fonts, the generic family;
    ``embedded``: the Chinese face of :func:`embedded_cjk_css` first."""
    names = ((EMBEDDED_FAMILY,) if embedded else ()) + (
        font, *_LATIN_TWINS.get(font, ()), *CJK_FAMILIES, _GENERIC.get(font, "sans-serif"))
    return ",".join(n if n.endswith("serif") or n == "monospace" or " " not in n else f"'{n}'"
                    for n in names)


# The family of the Chinese face a page or SVG carries: named first in its font lists, it
# serves only the page's own Chinese characters (its unicode-range), so Latin text keeps
# Arial and Courier New. A browser only falls back to a web font named after a system font
# once something has loaded it (Chromium draws boxes otherwise): hence first, not last.
EMBEDDED_FAMILY = "chainrule zh"
# The machine's own Chinese font still comes first where it has one: local() before the data.
_LOCAL_FACES = ("PingFang SC Regular", "PingFangSC-Regular", "Microsoft YaHei",
                "Noto Sans CJK SC Regular", "NotoSansCJKsc-Regular", "Source Han Sans SC Regular",
                "SourceHanSansSC-Regular", "Noto Sans SC Regular", "NotoSansSC-Regular",
                "WenQuanYi Micro Hei")


def embedded_cjk_css(text: str, scope: str = "") -> str:
    """CSS that lets a browser with no Chinese font draw the CJK characters of
    ``text``: an ``@font-face`` (the system's Chinese font through local()
    if it has one, else the packaged font cut down to those characters, a
    few kB as a base64 data: URL, nothing fetched), and rules putting it
    first for the SVG texts graphviz wrote (under the CSS selector
    ``scope``). "" when ``text`` has no CJK character."""
    chars = "".join(sorted({c for c in _cjk_pattern().findall(text)}))
    if not chars:
        return ""
    rules = "".join(f'{scope} [font-family="{css_families(f)}"] '
                    f"{{ font-family: {css_families(f, embedded=True)}; }}\n"
                    for f in (style.FONT, style.MONO))
    return _embedded_face(chars) + rules.lstrip()


@functools.lru_cache(maxsize=64)
def _embedded_face(chars: str) -> str:
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"  # zlib: no brotli needed; a subset is small either way
    # about 240 bytes a character; without the CFF subroutines: 4x faster, a little smaller
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # the copyright and licence (OFL) travel along
    options.notdef_outline = True
    # Chinese set horizontally needs no substitution or kerning: their tables cost 0.4 s
    options.drop_tables += ["GSUB", "GPOS"]
    # the font's own bounds kept (a superset of the subset's): recomputing them costs 0.7 s
    font = TTFont(str(packaged_cjk_font().path), lazy=True, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    local = ", ".join(f"local('{name}')" for name in _LOCAL_FACES)
    ranges = ",".join(f"U+{ord(c):X}" for c in chars)
    return (f"@font-face {{ font-family: '{EMBEDDED_FAMILY}'; src: {local}, "
            f"url(data:font/woff;base64,{data}) format('woff'); unicode-range: {ranges}; }}\n")


def packaged_cjk_font() -> CJKFont:
    """Noto Sans SC as the ``pylopdf-fonts-zh-cn`` package ships it."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as e:
        raise RuntimeError(_(
            "Chinese text needs a font with Chinese glyphs: none was found on this machine, and "
            "the package that brings one with chainrule is missing; install it with "
            "`{python} -m pip install pylopdf-fonts-zh-cn`").format(python=sys.executable)) from e
    return CJKFont(pathlib.Path(pylopdf_fonts_zh_cn.sans_path()), "Noto Sans SC", "package")


def _fontconfig_cjk_font() -> Optional[CJKFont]:
    """fontconfig's best sans-serif for Simplified Chinese, if it covers the language
    (fc-match always answers, with a Latin font when there is no Chinese one)."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    try:
        out = subprocess.run([fc_match, "--format=%{file}\n%{family[0]}\n%{lang}",
                              "sans-serif:lang=zh-cn"], capture_output=True, timeout=20,
                             check=True).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.split("\n")
    if len(lines) < 3 or "zh-cn" not in lines[2].split("|"):
        return None
    path = pathlib.Path(lines[0])
    return CJKFont(path, lines[1], "system") if path.is_file() else None


def system_cjk_font() -> Optional[CJKFont]:
    """A Simplified Chinese font installed on this machine, or None."""
    found = _fontconfig_cjk_font()
    if found:
        return found
    windows = pathlib.Path(os.environ.get("WINDIR", r"C:\Windows"))
    for where, family in _KNOWN_SYSTEM_FONTS:
        path = pathlib.Path(where) if where.startswith("/") else windows / where
        if path.is_file():
            return CJKFont(path, family, "system")
    return None


@functools.lru_cache(maxsize=None)
def cjk_font() -> CJKFont:
    """The font Chinese text is drawn with, found once per process: the
    system's if it has one, else the packaged Noto Sans SC."""
    return system_cjk_font() or packaged_cjk_font()


def cache_dir() -> pathlib.Path:
    """chainrule's own cache folder (created if missing)."""
    if os.name == "nt":
        base = pathlib.Path(os.environ.get("LOCALAPPDATA") or pathlib.Path.home() / "AppData/Local")
    else:
        base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    import tempfile

    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    for folder in (base / "chainrule", pathlib.Path(tempfile.gettempdir()) / f"chainrule{user}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        except OSError:
            continue
    raise OSError(_("no writable cache folder for chainrule (tried {folder} and the temporary "
                    "folder)").format(folder=base / "chainrule"))


def _write_if_changed(path: pathlib.Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # atomic: a dot run started meanwhile reads the old or the new file


def fontconfig_env() -> Optional[dict]:
    """The environment for a system ``dot`` run that draws Chinese text: None
    (leave it as it is) if fontconfig has a Chinese font already, else this
    environment with FONTCONFIG_FILE set to a file that loads the user's
    configuration and adds the packaged font's folder. Only that run sees it:
    the user's fontconfig set-up is never changed."""
    font = cjk_font()
    if font.source == "system":
        return None
    folder = cache_dir() / "fontconfig"
    folder.mkdir(exist_ok=True)
    user = os.environ.get("FONTCONFIG_FILE")
    # a relative name is looked up in fontconfig's own config folder: the system's fonts.conf
    include = user if user and os.path.isabs(user) else "fonts.conf"
    conf = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<fontconfig>\n"
            f"  <cachedir>{_xml(folder / 'cache')}</cachedir>\n"
            f'  <include ignore_missing="yes">{_xml(include)}</include>\n'
            f"  <dir>{_xml(font.path.parent)}</dir>\n"
            "</fontconfig>\n")
    path = folder / "chainrule-fonts.conf"
    _write_if_changed(path, conf)
    return {**os.environ, "FONTCONFIG_FILE": str(path)}


def _xml(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=None)
def _matplotlib_family() -> str:
    from matplotlib import font_manager

    def known(family: str) -> bool:
        return any(f.name == family for f in font_manager.fontManager.ttflist)

    font = cjk_font()
    if font.source == "system" and known(font.family):
        return font.family
    packaged = packaged_cjk_font()
    if not known(packaged.family):
        font_manager.fontManager.addfont(str(packaged.path))
    return packaged.family


def setup_matplotlib_fonts() -> str:
    """Let matplotlib draw Chinese text: the Chinese font joins the end of
    ``rcParams["font.family"]`` as a fallback, so Latin text keeps its font
    and each character no earlier font has comes from the Chinese one.
    Idempotent; viz's own plots call it. Returns the Chinese family's name."""
    from matplotlib import rcParams

    family = _matplotlib_family()
    _quiet_missing_weights(family)
    families = rcParams["font.family"]
    families = [families] if isinstance(families, str) else list(families)
    if family not in families:
        rcParams["font.family"] = families + [family]
    return family


class _MissingWeightFilter:
    """Drops matplotlib's "Failed to find font weight bold for <family>" for the
    Chinese fallback family only: it ships one weight, so bold Chinese is drawn
    regular, while bold Latin text still gets its earlier font's bold face."""

    def __init__(self, family: str) -> None:
        self.family = family

    def filter(self, record: object) -> bool:
        args = getattr(record, "args", None)
        return not (str(getattr(record, "msg", "")).startswith("findfont: Failed to find font weight")
                    and isinstance(args, tuple) and len(args) == 3 and args[1] == self.family)


def _quiet_missing_weights(family: str) -> None:
    import logging

    log = logging.getLogger("matplotlib.font_manager")
    if not any(isinstance(f, _MissingWeightFilter) and f.family == family for f in log.filters):
        log.addFilter(_MissingWeightFilter(family))
