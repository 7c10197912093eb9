"""The classroom animation: a worked solution stepped through on the compact
graph (the named values only, as the slides draw a network), one named
quantity at a time: each net and out of the forward pass, the errors, then
the gradients and the updates, each step with its equation in large type and
its box lit and in view. Made for a projector (1366 x 768): large fonts, the
current box always scrolled into view, and the multi-path sum rule written on a
card when a node's last path arrives ("dE_total/dout_h1 = 0.030866 + (-0.003360)
= 0.027505"): in a strip right above the picture, over the node, a line down to
it (the compact graph of even the 2-3-2 network has no room beside a box that
would leave every other box uncovered). Inline in Jupyter the same, the
equations sized down to the notebook's width.

The steps come from the caller (the course application builds them from its
worked solution, :mod:`chainrule.classroom`); this module draws the picture
(:func:`viz.draw_graph`, compact, with the pass's own local derivatives) and
the page, and knows nothing of the slides' names. The full graph, every
operation one engine edge at a time, is :mod:`viz.animate`.
"""
from __future__ import annotations

import html
import pathlib
import re
import uuid
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

from autograd import Node

from . import fonts, stepper_page, style
from .folding import CompactGraph, Locals, kept
from .graph import draw_graph
from .i18n import _, language
from .topology import Graph

PathLike = Union[str, "pathlib.Path"]
PHASES = ("forward", "backward", "update")
FILLS = ("", "data", "grad", "partial", "update")
ZOOM = 1.6  # the compact graph's 10 pt text at about 21 px: read from the back of the room


@dataclass(frozen=True)
class ClassroomStep:
    """One step of the classroom animation.

    ``phase``: "forward", "backward" or "update". ``lines``: the equation(s),
    as the worked solution writes them. ``node``: the box the step is about
    (lit, scrolled into view). ``fill``: what the step writes in that box:
    "data" (its value), "grad" (its gradient, final), "partial" (one path's
    share of it, the sum rule still waiting for others), "update" (its new
    value, the box renamed ``label``). ``value``: the number written.
    ``edges``: (upper, lower) pairs of boxes whose edge the step lights, its
    derivative then shown (default: for "data" the edges from the node's
    operands, for "grad" those from its users). ``at_node``: a text written
    on a card pinned to the box (the sum of the paths' shares). ``note``: a line of
    explanation above the equations.
    """

    phase: str
    lines: Sequence[str]
    node: Optional[Node] = None
    fill: str = ""
    value: str = ""
    edges: Sequence[tuple[Node, Node]] = ()
    at_node: str = ""
    note: str = ""
    label: str = ""


class ClassroomStepper:
    """The classroom animation of ``steps`` on the compact graph under
    ``root`` (a page: :meth:`page`, :meth:`save`; inline in Jupyter).

    The boxes show the graph's data and grads as they are when it is made (the
    pass the steps describe); ``local``: the local derivatives that pass used,
    node -> [(operand, d node / d operand)], for the edges (default: the op
    rules at the current data). ``seeds``: boxes whose gradient is known when
    the backward pass starts (the root, 1). ``notes``: lines under the title
    (which pass, which convention)."""

    def __init__(self, root: Node, steps: Sequence[ClassroomStep], *, title: str = "",
                 notes: Sequence[str] = (), local: Optional[Locals] = None,
                 seeds: Sequence[Node] = (), digits: int = 6, max_nodes: int = 2000) -> None:
        self.digits = style.check_digits(digits, type(self).__name__)
        self.title = title or _("The worked solution, one named value at a time")
        self.notes = list(notes)
        graph = Graph(root)
        self.compact = CompactGraph(graph, kept(graph), local)
        picture = draw_graph(root, digits=digits, edge_labels=True, compact=True, local=local,
                             max_nodes=max_nodes)
        picture.attr("graph", label="")  # the page says how to read it, in large type
        self.svg = _zoomed(stepper_page.strip_xml_header(picture.pipe(format="svg", encoding="utf-8")), ZOOM)
        self.steps = [self._frame(s, k) for k, s in enumerate(steps)]
        self.seeds = [self._id(n, "seeds") for n in seeds]
        # the boxes' numbers now, with the picture: shown later (inline in Jupyter, after the
        # caller has put the graph back as it was) the page still shows the pass it describes
        num = lambda x: style.number(x, self.digits)  # noqa: E731
        self.boxes = {f"v{self.compact.full[k]}": {"name": n.label, "data": num(n.data),
                                                  "grad": num(n.grad), "leaf": not n.children}
                      for k, n in enumerate(self.compact.nodes)}

    # --- the data the page steps through ------------------------------------------------
    def _id(self, node: Node, what: str) -> str:
        c = self.compact
        return f"v{c.full[c.find(node, what)]}"

    def _edge_ids(self, step: ClassroomStep, k: int) -> list[str]:
        c = self.compact
        if step.edges:
            pairs = [(c.find(u, f"step {k + 1}: edges"), c.find(lo, f"step {k + 1}: edges"))
                     for u, lo in step.edges]
        elif step.node is not None and step.fill in ("data", "grad"):
            me = c.find(step.node, f"step {k + 1}: node")
            if step.fill == "data":
                pairs = [(me, e.child) for e in c.edges[me]]
            else:
                pairs = [(p, me) for p, edges in enumerate(c.edges) for e in edges
                         if e.child == me]
        else:
            pairs = []
        return [f"k{c.full[u]}_{c.full[lo]}" for u, lo in pairs]

    def _frame(self, step: ClassroomStep, k: int) -> dict:
        if step.phase not in PHASES:
            raise ValueError(_("ClassroomStepper: step {number}: phase must be one of {options}, "
                               "got {value}").format(number=k + 1, options=", ".join(PHASES),
                                                     value=repr(step.phase)))
        if step.fill not in FILLS or (step.fill and step.node is None):
            raise ValueError(_("ClassroomStepper: step {number}: fill must be one of {options}, "
                               "with a node; got {value}").format(
                number=k + 1, options=", ".join(map(repr, FILLS)), value=repr(step.fill)))
        return {"phase": step.phase, "lines": list(step.lines), "note": step.note,
                "node": self._id(step.node, f"step {k + 1}: node") if step.node is not None
                else None,
                "fill": step.fill, "value": step.value, "label": step.label,
                "edges": self._edge_ids(step, k), "at": step.at_node}

    def _data(self) -> dict:
        return {"steps": self.steps, "boxes": self.boxes, "seeds": self.seeds,
                "t": {k: html.escape(v, quote=False) for k, v in _page_texts().items()}}

    # --- HTML ----------------------------------------------------------------------------
    def fragment(self) -> str:
        """The stepper as an HTML fragment (styles and script scoped to it)."""
        return stepper_page.fragment("crc" + uuid.uuid4().hex[:8], _TEMPLATE, _template_texts(),
                                     _CSS, _JS, title=self.title, notes=self.notes, svg=self.svg,
                                     data=self._data())

    def page(self) -> str:
        """A complete HTML page, the stepper filling the window."""
        return (f"<!DOCTYPE html>\n<html lang=\"{language()}\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title>"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "</head><body style=\"margin:0;background:#fff;--cr-height:100vh\">"
                f"{self.fragment()}</body></html>\n")

    def save(self, path: PathLike) -> pathlib.Path:
        """Write :meth:`page` to an .html file in an existing folder (whole or not at all)."""
        return stepper_page.save_page(self.page(), path, "ClassroomStepper.save()")

    def _repr_html_(self) -> str:
        return self.fragment()

    def __len__(self) -> int:
        return len(self.steps)


def animate_steps(root: Node, steps: Sequence[ClassroomStep], path: PathLike,
                  **options: Any) -> pathlib.Path:
    """Write the classroom animation of ``steps`` (see :class:`ClassroomStepper`,
    whose keyword options it takes) to ``path`` (.html). Returns the path."""
    stepper_page.html_path(path, "animate_steps")  # before the work, not after
    return ClassroomStepper(root, steps, **options).save(path)


_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _zoomed(svg: str, zoom: float) -> str:
    """The picture drawn ``zoom`` times its natural size (its viewBox unchanged)."""
    return _SIZE.sub(lambda m: f'<svg width="{float(m.group(1)) * zoom:.0f}pt" '
                               f'height="{float(m.group(2)) * zoom:.0f}pt"', svg, count=1)


def _page_texts() -> dict[str, str]:
    return {
        "count": _("step {k} / {n}"),
        "forward": _("forward pass"), "backward": _("backward pass"),
        "update": _("weight update"),
        "start": _("Start: the inputs and the weights are given; every other value is still "
                   "unknown. Press \u2192 for the first step."),
        "play": _("play"), "pause": _("pause"),
    }


def _template_texts() -> dict[str, str]:
    """The controls' labels and tooltips and the key help, in the current language."""
    return stepper_page.control_texts(
        _("Keys: \u2190 \u2192 step, Home/End, space plays. Red: the box and edges of "
          "this step; grey: not computed yet; amber: a gradient still waiting for more "
          "paths (the multi-path sum rule)."))


_CSS = """
#__UID__ { font-family: __SANS__; color: #1f2933; outline: none; box-sizing: border-box;
  display: flex; flex-direction: column; height: var(--cr-height, 85vh); padding: 8px 14px;
  position: relative;
  font-size: 20px; }
#__UID__ h3 { margin: 0; font-size: 22px; line-height: 1.25; }
#__UID__ .sub { color: #475569; font-size: 16px; line-height: 1.3; }
#__UID__ .bar { display: flex; align-items: center; gap: 8px; margin: 6px 0; }
#__UID__ button { font-size: 18px; padding: 2px 12px; border: 1px solid #cbd5e1;
  background: #f8fafc; border-radius: 6px; cursor: pointer; }
#__UID__ button:hover { background: #eef2ff; }
#__UID__ input[type=range] { flex: 1; min-width: 160px; }
#__UID__ .count { font-variant-numeric: tabular-nums; min-width: 130px; font-size: 18px; }
#__UID__ .hint { color: #64748b; font-size: 15px; }
#__UID__ .explain { padding: 6px 12px; background: #f8fafc; border-radius: 8px;
  min-height: 96px; border-left: 6px solid #94a3b8; }
#__UID__ .explain.forward { border-left-color: #0284c7; }
#__UID__ .explain.backward { border-left-color: #dc2626; }
#__UID__ .explain.update { border-left-color: #16a34a; }
#__UID__ .phase { font-size: 16px; font-weight: bold; text-transform: uppercase;
  letter-spacing: 0.04em; color: #475569; }
#__UID__ .note { font-size: 18px; color: #334155; }
#__UID__ .eq { font-family: __MONO__; font-size: 22px; line-height: 1.35; white-space: pre-wrap; }
#__UID__ .pic { flex: 1; min-height: 0; overflow: auto; margin-top: 6px;
  border: 1px solid #e2e8f0; border-radius: 6px; position: relative; }
#__UID__ .pic svg { max-width: none; }
#__UID__ .pic.fit svg { width: 100%; height: auto; }
#__UID__ g.cr-now > path, #__UID__ g.cr-now > polygon { stroke: #dc2626; stroke-width: 3; }
#__UID__ g.cr-now > path:first-of-type { fill: #fef3c7; }
#__UID__ g.cr-lit > path { stroke: #dc2626; stroke-width: 3; }
#__UID__ g.cr-lit > polygon { stroke: #dc2626; fill: #dc2626; }
#__UID__ g.cr-lit > text { fill: #dc2626; font-weight: bold; }
#__UID__ g.edge > text.cr-hidden { visibility: hidden; }
#__UID__ text.cr-pending { fill: #cbd5e1; }
#__UID__ text.cr-partial { fill: #d97706; }
#__UID__ text.cr-updated { fill: #15803d; }
#__UID__ .sumrow { display: none; margin-top: 6px; white-space: nowrap; }
#__UID__ .sumrow .card { display: inline-block; padding: 2px 10px; background: #fef9c3;
  border: 2px solid #d97706; border-radius: 6px; color: #7c2d12; font-family: __MONO__;
  font-weight: bold; font-size: 20px; }
#__UID__ svg.lead { position: absolute; left: 0; top: 0; width: 100%; height: 100%;
  pointer-events: none; overflow: visible; display: none; }
#__UID__ svg.lead line { stroke: #d97706; stroke-width: 2.5; stroke-dasharray: 6 4; }
#__UID__ line.cr-lead { stroke: #d97706; }
""".replace("__SANS__", fonts.css_families(style.FONT)).replace("__MONO__", fonts.css_families(style.MONO))

_TEMPLATE = """<div id="__UID__" class="chainrule-classroom" tabindex="0">
<style>__CSS__</style>
<h3>__TITLE__</h3>__NOTES__
__BAR__
<div class="explain"></div>
<div class="sumrow"></div>
<div class="pic">__SVG__</div>
<svg class="lead" aria-hidden="true"></svg>
<div class="hint">__KEYS__</div>
<script type="application/json" class="cr-data">__DATA__</script>
<script>(function(){ var root = document.getElementById("__UID__"); __JS__ })();</script>
</div>"""

_JS = r"""
var D = JSON.parse(root.querySelector(".cr-data").textContent);
var S = D.steps, N = S.length;
var svg = root.querySelector(".pic svg"), pic = root.querySelector(".pic");
var slider = root.querySelector("input[type=range]"), count = root.querySelector(".count");
var explain = root.querySelector(".explain"), playBtn = root.querySelector("[data-act=play]");
var NS = "http://www.w3.org/2000/svg";
slider.max = N;
function el(id) { return svg ? svg.querySelector('[id="' + id + '"]') : null; }
function tr(key, args) {
  return D.t[key].replace(/\{(\w+)\}/g, function (m, n) { return args && n in args ? args[n] : m; });
}
function esc(t) { return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;"); }
// each box's three texts: its name, its value and its grad (found by what graphviz wrote)
var T = {};
Object.keys(D.boxes).forEach(function (id) {
  var g = el(id), b = D.boxes[id], t = {};
  if (!g) return;
  g.querySelectorAll("text").forEach(function (x) {
    var s = x.textContent.trim();
    if (s === b.name && !t.name) t.name = x;
    else if (s === b.data && !t.data) t.data = x;
    else if (s.indexOf("grad ") === 0) t.grad = x;
    else if (s === "=" && !t.eq) t.eq = x;
  });
  // where the texts after the name start: a longer name (w7+) pushes them right
  t.xs = [t.eq, t.data].map(function (x) { return x ? parseFloat(x.getAttribute("x")) : 0; });
  t.w = t.name ? t.name.getComputedTextLength() : 0;
  t.box = g.querySelector("path");  // the box's outline: widened with its texts
  t.bb = t.box ? t.box.getBBox() : null;
  T[id] = t;
});
function makeRoom(t) {
  if (!t.name) return;
  var gap = Math.max(0, t.name.getComputedTextLength() - t.w);
  [t.eq, t.data].forEach(function (x, i) { if (x) x.setAttribute("x", t.xs[i] + gap); });
  // and the box as much wider, to the right, so that no digit sits on its border
  if (!t.box || !t.bb) return;
  if (!gap) { t.box.removeAttribute("transform"); return; }
  var k = (t.bb.width + gap) / t.bb.width, x0 = t.bb.x;
  t.box.setAttribute("transform", "translate(" + x0 + " 0) scale(" + k + " 1) translate(" + (-x0) + " 0)");
}
// every edge label hidden until a step passes a gradient along it
var labels = {};
S.forEach(function (s) { s.edges.forEach(function (e) {
  var g = el(e); if (g && g.querySelector("text")) labels[e] = g.querySelector("text"); }); });
// boxes whose gradient no step computes (the inputs): no grad row to wait for
var asked = {};
S.forEach(function (s) { if (s.node && (s.fill === "grad" || s.fill === "partial")) asked[s.node] = true; });
D.seeds.forEach(function (id) { asked[id] = true; });
var marked = [], sum = false;
var strip = root.querySelector(".sumrow"), lead = root.querySelector("svg.lead");
lead.appendChild(document.createElementNS(NS, "line"));
var graph = svg ? svg.querySelector("g.graph") : null, under = null;
function mark(id, cls) { var g = el(id); if (g) { g.classList.add(cls); marked.push([g, cls]); } }
function setText(x, text, cls) {
  if (!x) return;
  x.textContent = text;
  x.classList.remove("cr-pending", "cr-partial", "cr-updated");
  if (cls) x.classList.add(cls);
}
// The sum rule on a card in a strip right above the picture, over the box's column, a
// leader line down to the box: the picture is too dense for a card anywhere in it to leave
// every other box uncovered.
function sumCard(id, text) {
  if (!el(id) || !text) return false;
  strip.innerHTML = "<span class='card'>" + esc(text) + "</span>";
  strip.style.display = "block";
  return true;
}
function pinCard() {
  var g = sum && el(S[cur - 1].node), card = strip.firstChild;
  lead.style.display = g && card ? "block" : "none";
  if (under) under.style.display = g && card ? "" : "none";
  if (!g || !card) return;
  var b = g.getBoundingClientRect(), w = card.getBoundingClientRect().width;
  var sr = strip.getBoundingClientRect(), rr = root.getBoundingClientRect();
  var mid = (b.left + b.right) / 2;
  var left = Math.max(0, Math.min(sr.width - w, mid - sr.left - w / 2));
  card.style.marginLeft = left + "px";
  var c = card.getBoundingClientRect(), pr = pic.getBoundingClientRect();
  var x1 = Math.max(c.left + 8, Math.min(c.right - 8, mid));
  var x2 = Math.max(pr.left, Math.min(pr.right, mid));
  // from the card to the picture's edge over the page, then on inside the picture beneath
  // the boxes and edges (no digit crossed out) down to the box's top
  var line = lead.firstChild;
  line.setAttribute("x1", x1 - rr.left); line.setAttribute("y1", c.bottom - rr.top);
  line.setAttribute("x2", x2 - rr.left); line.setAttribute("y2", pr.top - rr.top);
  var top = graph && graph.getScreenCTM();
  if (!top) return;
  if (!under) {
    under = document.createElementNS(NS, "line");
    under.setAttribute("class", "cr-lead");
    var frame = graph.querySelector("polygon");
    graph.insertBefore(under, frame ? frame.nextSibling : graph.firstChild);
  }
  var inv = top.inverse(), pt = svg.createSVGPoint();
  pt.x = x2; pt.y = pr.top; var a = pt.matrixTransform(inv);
  pt.x = x2; pt.y = Math.max(pr.top, b.top); var z = pt.matrixTransform(inv);
  under.setAttribute("x1", a.x); under.setAttribute("y1", a.y);
  under.setAttribute("x2", z.x); under.setAttribute("y2", z.y);
  under.setAttribute("stroke-width", 2.5 / top.a);
  under.setAttribute("stroke-dasharray", (6 / top.a) + " " + (4 / top.a));
}
function state(k) {
  var st = {data: {}, grad: {}, name: {}, cls: {}, shown: {}};
  var backward = false;
  for (var i = 0; i < k; i++) {
    var s = S[i];
    if (s.phase !== "forward") backward = true;
    s.edges.forEach(function (e) { if (s.phase === "backward") st.shown[e] = true; });
    if (!s.node) continue;
    if (s.fill === "data") st.data[s.node] = s.value;
    else if (s.fill === "grad") { st.grad[s.node] = s.value; st.cls[s.node] = ""; }
    else if (s.fill === "partial") { st.grad[s.node] = s.value; st.cls[s.node] = "cr-partial"; }
    else if (s.fill === "update") { st.data[s.node] = s.value; st.name[s.node] = s.label; }
  }
  if (backward) D.seeds.forEach(function (id) {
    if (st.grad[id] === undefined) st.grad[id] = D.boxes[id].grad; });
  return st;
}
// scroll so that the first element is in view, with as many of the others (in their order)
// as fit beside it
function reveal(els) {
  els = els.filter(Boolean);
  if (!els.length || pic.classList.contains("fit")) return;
  var pr = pic.getBoundingClientRect(), m = 30;
  if (!pr.width) return;
  var u = null;
  els.forEach(function (g) {
    var q = g.getBoundingClientRect();
    var w = u ? {left: Math.min(u.left, q.left), right: Math.max(u.right, q.right),
                 top: Math.min(u.top, q.top), bottom: Math.max(u.bottom, q.bottom)} : q;
    if (!u || (w.right - w.left <= pr.width - 2 * m && w.bottom - w.top <= pr.height - 2 * m)) u = w;
  });
  if (u.left < pr.left + m || u.right > pr.right - m)
    pic.scrollLeft += (u.left + u.right) / 2 - (pr.left + pr.right) / 2;
  if (u.top < pr.top + m || u.bottom > pr.bottom - m)
    pic.scrollTop += (u.top + u.bottom) / 2 - (pr.top + pr.bottom) / 2;
}
// the equations in one size, as large as fits the width without wrapping (22 px, down to
// 16 px in a narrow notebook; below that they wrap)
function fitLines(els, big, small) {
  if (!els.length) return;
  var width = els[0].parentNode.clientWidth - 24, widest = 0;
  els.forEach(function (e) {
    e.style.fontSize = big + "px"; e.style.whiteSpace = "pre";
    widest = Math.max(widest, e.scrollWidth);
    e.style.whiteSpace = "";
  });
  if (width > 0 && widest > width) {
    var px = Math.max(small, Math.floor(big * width / widest));
    els.forEach(function (e) { e.style.fontSize = px + "px"; });
  }
}
var cur = 0, timer = null;
function show(k) {
  k = Math.max(0, Math.min(N, k)); slider.value = k; cur = k;
  marked.forEach(function (m) { m[0].classList.remove(m[1]); }); marked = [];
  if (sum) { strip.innerHTML = ""; strip.style.display = "none"; sum = false; }
  var st = state(k);
  Object.keys(T).forEach(function (id) {
    var t = T[id], b = D.boxes[id];
    setText(t.name, st.name[id] || b.name, st.name[id] ? "cr-updated" : "");
    makeRoom(t);
    var d = st.data[id] !== undefined ? st.data[id] : (b.leaf ? b.data : "?");
    setText(t.data, d, d === "?" ? "cr-pending" : (st.name[id] ? "cr-updated" : ""));
    var g = st.grad[id];
    if (!asked[id]) setText(t.grad, "", "");
    else setText(t.grad, "grad " + (g === undefined ? "?" : g), g === undefined ? "cr-pending" : st.cls[id]);
  });
  Object.keys(labels).forEach(function (e) {
    labels[e].classList.toggle("cr-hidden", !st.shown[e]); });
  count.textContent = tr("count", {k: k, n: N});
  var focus = [];
  if (k === 0) {
    explain.className = "explain";
    explain.innerHTML = "<div class='note'>" + tr("start") + "</div>";
    pic.scrollTop = 0; pic.scrollLeft = 0;  // the inputs and first weights: the top left
  } else {
    var s = S[k - 1];
    explain.className = "explain " + s.phase;
    explain.innerHTML = "<div class='phase'>" + tr(s.phase) + "</div>" +
      (s.note ? "<div class='note'>" + esc(s.note) + "</div>" : "") +
      s.lines.map(function (l) { return "<div class='eq'>" + esc(l) + "</div>"; }).join("");
    s.edges.forEach(function (e) { mark(e, "cr-lit"); focus.push(el(e)); });
    // and the boxes at the edges' ends (k12_5: v12 and v5), when they fit in view too
    s.edges.forEach(function (e) {
      e.slice(1).split("_").forEach(function (n) { focus.push(el("v" + n)); }); });
    if (s.node) { mark(s.node, "cr-now"); focus.unshift(el(s.node)); }
    fitLines([].slice.call(explain.querySelectorAll(".eq")), 22, 16);
    if (s.node && s.at) sum = sumCard(s.node, s.at);
    if (sum) fitLines([strip.firstChild], 20, 14);
  }
  reveal(focus);
  pinCard();
}
__CONTROLS__
pic.addEventListener("scroll", pinCard);
window.addEventListener("resize", pinCard);
root.querySelector(".fitbox").addEventListener("change", function (e) {
  pic.classList.toggle("fit", e.target.checked); show(cur);
});
show(0);
"""
_JS = _JS.replace("__CONTROLS__", stepper_page.controls_js(2500))
