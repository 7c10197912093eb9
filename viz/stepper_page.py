"""What the two steppers share (the every-operation one, :mod:`viz.animate`,
and the classroom one, :mod:`viz.classroom`): the control bar and its player
script, how a stepper's fragment is put together (its Chinese glyphs embedded
when a text needs them) and how its page is saved (whole or not at all).
"""
from __future__ import annotations

import html
import json
import pathlib
from typing import Any, Sequence, Union

from . import fonts, style
from .i18n import _
from .render import SVG_FONT_STYLE, writable_path

PathLike = Union[str, "pathlib.Path"]

# The buttons, slider, step count and fit-width box; texts filled by control_texts().
BAR = """<div class="bar">
  <button data-act="first" title="__FIRST__">|&#x25C0;</button>
  <button data-act="prev" title="__PREV__">&#x25C0;</button>
  <button data-act="play" title="__PLAYPAUSE__">&#x25B6; __PLAY__</button>
  <button data-act="next" title="__NEXT__">&#x25B6;</button>
  <button data-act="last" title="__LAST__">&#x25B6;|</button>
  <input type="range" min="0" value="0" step="1" aria-label="__STEP__">
  <span class="count"></span>
  <label class="hint"><input type="checkbox" class="fitbox"> __FIT__</label>
</div>"""

# The player: play/pause every __PERIOD__ ms, the buttons, the slider and the keys.
# It expects the stepper's script to define root, N, cur, timer, playBtn, slider,
# tr() and show(k).
CONTROLS_JS = r"""
function stop() {
  if (timer) { clearInterval(timer); timer = null; }
  playBtn.innerHTML = "&#x25B6; " + tr("play");
}
function play() {
  if (timer) { stop(); return; }
  if (cur >= N) show(0);
  playBtn.innerHTML = "&#x2016; " + tr("pause");
  timer = setInterval(function () { if (cur >= N) stop(); else show(cur + 1); }, __PERIOD__);
}
root.querySelectorAll("button").forEach(function (b) {
  b.addEventListener("click", function () {
    var a = b.getAttribute("data-act");
    if (a === "play") { play(); return; }
    stop();
    if (a === "first") show(0); else if (a === "prev") show(cur - 1);
    else if (a === "next") show(cur + 1); else if (a === "last") show(N);
  });
});
slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
function onKey(e) {
  var t = e.target && e.target.tagName;
  if (t === "INPUT" && e.target.type !== "range") return;
  if (e.key === "ArrowRight") { stop(); show(cur + 1); }
  else if (e.key === "ArrowLeft") { stop(); show(cur - 1); }
  else if (e.key === "Home") { stop(); show(0); }
  else if (e.key === "End") { stop(); show(N); }
  else if (e.key === " ") { play(); }
  else return;
  e.preventDefault(); e.stopPropagation();
}
root.addEventListener("keydown", onKey);
// a page of its own: the keys work without clicking into the stepper first
if (document.body && document.body.firstElementChild === root &&
    document.body.children.length === 1)
  document.addEventListener("keydown", function (e) { if (e.target === document.body) onKey(e); });
"""


def controls_js(period_ms: int) -> str:
    """The player script, playing one step every ``period_ms`` milliseconds."""
    return CONTROLS_JS.replace("__PERIOD__", str(int(period_ms)))


def control_texts(keys: str) -> dict[str, str]:
    """The control bar's labels and tooltips in the current language, and the
    stepper's own key help ``keys``, HTML-escaped, keyed as BAR's placeholders."""
    texts = {
        "FIRST": _("first step (Home)"), "PREV": _("previous step (\u2190)"),
        "PLAYPAUSE": _("play / pause (space)"), "PLAY": _("play"),
        "NEXT": _("next step (\u2192)"), "LAST": _("last step (End)"), "STEP": _("step"),
        "FIT": _("fit width"), "KEYS": keys,
    }
    return {k: html.escape(v) for k, v in texts.items()}


def fragment(uid: str, template: str, texts: dict[str, str], css: str, js: str, *,
             title: str, notes: Sequence[str], svg: str, data: Any) -> str:
    """A stepper's HTML fragment: ``template`` (with __BAR__, __UID__, __TITLE__,
    __NOTES__, __SVG__, __DATA__, __CSS__ and __JS__ and the ``texts``' keys) filled
    in. A Chinese text anywhere brings its glyphs with it: one embedded face for
    the page's texts and the picture's (whose own font style then goes)."""
    template = template.replace("__BAR__", BAR)
    for key, text in texts.items():
        template = template.replace(f"__{key}__", text)
    css = css.replace("__UID__", uid)
    notes_html = "".join(f"<div class='sub'>{html.escape(t)}</div>" for t in notes)
    face = fonts.embedded_cjk_css(title + "".join(notes) + svg +
                                  json.dumps(data, ensure_ascii=False) + template, f"#{uid}")
    if face:
        svg = SVG_FONT_STYLE.sub("", svg)
        for f in (style.FONT, style.MONO):
            css = css.replace(fonts.css_families(f), fonts.css_families(f, embedded=True))
        css = face + css + f"#{uid} button {{ font-family: inherit; }}\n"
    return (template.replace("__UID__", uid)
            .replace("__TITLE__", html.escape(title))
            .replace("__NOTES__", notes_html)
            .replace("__SVG__", svg)
            .replace("__DATA__", json.dumps(data).replace("</", "<\\/"))
            .replace("__CSS__", css)
            .replace("__JS__", js))


def html_path(path: PathLike, who: str) -> pathlib.Path:
    """``path`` as a page's path: an .html or .htm file in a folder that exists."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(_("{who}: the page is HTML: give a file name ending in .html, "
                           "got {name}").format(who=who, name=repr(path.name)))
    return writable_path(path, who)


def save_page(page: str, path: PathLike, who: str) -> pathlib.Path:
    """Write ``page`` to ``path`` (see html_path) whole or not at all."""
    path = html_path(path, who)
    part = path.with_name(path.name + ".part")
    try:
        part.write_text(page, encoding="utf-8")
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path


def strip_xml_header(svg: str) -> str:
    """Graphviz's SVG without its XML header, to sit inside a page."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
