"""Backward, one edge at a time: a self-contained HTML page (SVG and script
inline, nothing fetched) with buttons, a slider and the keyboard, and the same
stepper inline in Jupyter.

The steps are the engine's own: ``backward(on_step=...)`` hands over every
edge's local derivative, upstream gradient and product, in the order the
engine processes them. The picture is :func:`viz.draw_graph` with its edge
labels; the page only changes colours and the grad texts as it steps.
"""
from __future__ import annotations

import contextlib
import html
import pathlib
import uuid
from typing import Iterator, Optional, Sequence, Union

from autograd import BackwardStep, Node, topological_order, zero_grad

from . import fonts, stepper_page, style
from .folding import Locals
from .graph import GraphTooLargeError, draw_graph
from .i18n import _, language
from .topology import Graph, name_of

PathLike = Union[str, "pathlib.Path"]


@contextlib.contextmanager
def _backward_recorded(root: Node) -> Iterator[list[BackwardStep]]:
    """Run ``root.backward()`` from zeroed grads, recording every step; inside
    the block the grads are those of this pass, afterwards they are restored."""
    order = topological_order(root)
    saved = [n.grad for n in order]
    steps: list[BackwardStep] = []
    try:
        zero_grad(root)
        root.backward(on_step=steps.append)
        yield steps
    finally:
        for n, g in zip(order, saved):
            n.grad = g


def record_backward(root: Node) -> list[BackwardStep]:
    """The steps of ``root.backward()``, in the engine's order. Grads are
    zeroed for the run and restored afterwards, so the graph is left as it was."""
    with _backward_recorded(root) as steps:
        return list(steps)


class BackwardStepper:
    """Step through ``root.backward()`` edge by edge. In Jupyter it shows
    itself (``_repr_html_``); :meth:`page` is the standalone HTML page and
    :meth:`save` writes it. ``steps``: a pass recorded already (its
    ``BackwardStep`` s, e.g. a pass in stages), stepped through as it is,
    the boxes showing the grads the graph holds and each edge the factor
    ``local`` gives (node -> [(operand, d node / d operand)]). ``notes``: lines
    under the title (which pass, which convention, what w7+ means)."""

    def __init__(self, root: Node, *, digits: int = 6, title: Optional[str] = None,
                 max_nodes: int = 2000, steps: Optional[Sequence[BackwardStep]] = None,
                 local: Optional[Locals] = None, notes: Sequence[str] = ()) -> None:
        self.root = root
        self.notes = list(notes)
        self.digits = style.check_digits(digits, type(self).__name__)
        self.title = title or _("Backward through {root}, one edge at a time").format(
            root=name_of(root))
        graph = Graph(root)
        if len(graph.order) > max_nodes:
            # draw_graph's own advice (group=...) does not apply: a step is one engine edge
            raise GraphTooLargeError(_(
                "{who}: the graph under {root} has {count} nodes, more than "
                "max_nodes={max_nodes}; stepping through it edge by edge could not be followed "
                "(and laying it out takes minutes). Animate a smaller piece: one neuron's "
                "output, or one sample's loss on a small network; or raise max_nodes.").format(
                    who=type(self).__name__, root=name_of(root), count=f"{len(graph.order):,}",
                    max_nodes=f"{max_nodes:,}"))
        if steps is not None:
            # a pass recorded elsewhere (one in stages: the slides' sequential convention),
            # drawn as the graph holds it now, each edge with the factor the pass used
            raw = list(steps)
            picture = draw_graph(root, digits=digits, edge_labels=True, compact=False,
                                 max_nodes=max_nodes, local=local)
            self.svg = stepper_page.strip_xml_header(picture.pipe(format="svg", encoding="utf-8"))
        else:
            with _backward_recorded(root) as recorded:
                # drawn with this pass's grads, so every box is wide enough for its number
                # (the full graph: one step per engine edge, each op drawn)
                picture = draw_graph(root, digits=digits, edge_labels=True, compact=False,
                                     max_nodes=max_nodes)
                self.svg = stepper_page.strip_xml_header(picture.pipe(format="svg", encoding="utf-8"))
                raw = list(recorded)
        self.steps = self._frames(graph, raw)

    # --- the data the page steps through ------------------------------------------------
    def _frames(self, graph: Graph, raw: list[BackwardStep]) -> list[dict]:
        num = lambda x: style.number(x, self.digits)  # noqa: E731
        index = graph.index
        # A node used twice by one op (b = a + a) gets two steps: match them to
        # the operand positions in order.
        used: dict[tuple[int, int], int] = {}
        totals: dict[int, int] = {}
        kept = []
        for s in raw:
            ci = index[id(s.child)]
            if graph.is_constant(ci):
                continue  # numbers lifted into the graph: their grad teaches nothing
            kept.append(s)
            totals[ci] = totals.get(ci, 0) + 1
        seen: dict[int, int] = {}
        running: dict[int, float] = {}
        frames = []
        for s in kept:
            pi, ci = index[id(s.parent)], index[id(s.child)]
            positions = [p for p, c in enumerate(s.parent.children) if c is s.child]
            k = used.get((pi, ci), 0)
            used[(pi, ci)] = k + 1
            pos = positions[min(k, len(positions) - 1)]
            seen[ci] = seen.get(ci, 0) + 1
            before = running.get(ci, 0.0)
            after = before + style.scalar(s.product) if style.is_scalar(s.product) else before
            running[ci] = after
            root_name, p_name, c_name = (name_of(self.root), name_of(s.parent),
                                         name_of(s.child))
            frames.append({
                "edge": f"e{pi}_{pos}", "res": f"r{pi}", "op": f"o{pi}",
                "parent": f"v{pi}", "child": f"v{ci}",
                "symbolic": (f"∂{root_name}/∂{c_name} += ∂{p_name}/∂{c_name} × "
                             f"∂{root_name}/∂{p_name}"),
                "op_name": s.parent.op.function, "op_symbol": s.parent.op.symbol,
                "local": num(s.local), "upstream": num(s.upstream), "product": num(s.product),
                "before": num(before), "after": num(after),
                "k": seen[ci], "of": totals[ci], "child_name": c_name,
            })
        return frames

    def _data(self) -> dict:
        graph_nodes = {}
        for f in self.steps:
            graph_nodes.setdefault(f["child"], f["child_name"])
        root_id = f"v{len(topological_order(self.root)) - 1}"
        return {"steps": self.steps, "root": root_id, "rootName": name_of(self.root),
                "seed": style.number(1.0, self.digits), "zero": style.number(0.0, self.digits),
                "names": graph_nodes, "t": _page_texts()}

    # --- HTML ----------------------------------------------------------------------------
    def fragment(self) -> str:
        """The stepper as an HTML fragment (styles and script scoped to it)."""
        return stepper_page.fragment("crs" + uuid.uuid4().hex[:8], _TEMPLATE, _template_texts(),
                                     _CSS, _JS, title=self.title, notes=self.notes, svg=self.svg,
                                     data=self._data())

    def page(self) -> str:
        """A complete HTML page: opens in any browser with no network."""
        # --cr-chrome: the height around the picture; a page has less of it than a notebook
        # (each note under the title takes about two lines more)
        chrome = 230 + 36 * len(self.notes)
        return (f"<!DOCTYPE html>\n<html lang=\"{language()}\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title>"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"</head><body style=\"margin:16px;background:#fff;--cr-chrome:{chrome}px\">"
                f"{self.fragment()}</body></html>\n")

    def save(self, path: PathLike) -> pathlib.Path:
        """Write :meth:`page` to an .html file in an existing folder (whole or not at all)."""
        return stepper_page.save_page(self.page(), path, "BackwardStepper.save()")

    def _repr_html_(self) -> str:
        return self.fragment()

    def __len__(self) -> int:
        return len(self.steps)


def animate_backward(root: Node, path: PathLike, *, digits: int = 6,
                     max_nodes: int = 2000, title: Optional[str] = None,
                     steps: Optional[Sequence[BackwardStep]] = None,
                     local: Optional[Locals] = None,
                     notes: Sequence[str] = ()) -> pathlib.Path:
    """Write a self-contained HTML page that steps through ``root.backward()``
    one edge at a time (buttons, slider, arrow keys, space to play): the edge
    being computed, its factors (local derivative × upstream gradient), and
    every grad filled so far. ``path``: an .html file in an existing folder;
    ``title``: the page's heading, ``notes``: lines under it. Returns the path. The graph's grads are
    left as they were. ``steps``, ``local``: a pass recorded already, as
    :class:`BackwardStepper` takes them."""
    stepper_page.html_path(path, "animate_backward")  # before the work, not after
    return BackwardStepper(root, digits=digits, max_nodes=max_nodes, title=title, steps=steps,
                           local=local, notes=notes).save(path)


def _page_texts() -> dict[str, str]:
    """The texts the page's script writes, HTML-escaped, in the current language."""
    texts = {
        "count": _("step {k} / {n}"),
        "start": _("Start: the seed {seed}. Every other grad is still unknown. Press \u2192 to "
                   "pass it down the first edge."),
        "share": _("(contribution {k} of {of}: {name} reaches the output along {of} edges; "
                   "their products add up)"),
        "factors": _("(local derivative of {op} \u00d7 upstream gradient)"),
        "node": _("node"), "sofar": _("grad so far"),
        "unnamed_one": _("and {n} unnamed intermediate node"),
        "unnamed_many": _("and {n} unnamed intermediate nodes"),
        "play": _("play"), "pause": _("pause"),
    }
    return {k: html.escape(v, quote=False) for k, v in texts.items()}


def _template_texts() -> dict[str, str]:
    """The controls' labels and tooltips and the key help, in the current language."""
    return stepper_page.control_texts(
        _("Keys: \u2190 \u2192 step, Home/End, space plays. Red edge: the gradient being "
          "passed down now; blue: the node it comes from. Grey grads are not computed "
          "yet, amber ones still wait for more paths (the multi-path sum rule)."))


_CSS = """
#__UID__ { font-family: __SANS__; color: #1f2933; outline: none;
  border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 12px; max-width: 100%; }
#__UID__:focus { border-color: #818cf8; }
#__UID__ h3 { margin: 0 0 8px 0; font-size: 15px; }
#__UID__ .sub { color: #475569; font-size: 13px; line-height: 1.3; margin: -4px 0 6px 0; }
#__UID__ .bar { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
#__UID__ button { font-size: 13px; padding: 3px 9px; border: 1px solid #cbd5e1;
  background: #f8fafc; border-radius: 5px; cursor: pointer; }
#__UID__ button:hover { background: #eef2ff; }
#__UID__ input[type=range] { flex: 1; min-width: 160px; }
#__UID__ .count { font-variant-numeric: tabular-nums; min-width: 110px; font-size: 14px; }
#__UID__ .explain { margin: 8px 0; padding: 8px 10px; background: #f8fafc; border-radius: 6px;
  min-height: 58px; font-size: 14px; line-height: 1.6; }
#__UID__ .mono { font-family: __MONO__; }
#__UID__ .grad { color: #c2410c; } #__UID__ .local { color: #1d4ed8; }
#__UID__ .body { display: flex; gap: 12px; align-items: flex-start; }
#__UID__ .pic { overflow: auto; flex: 1; border: 1px solid #f1f5f9; }
/* the step's text and its picture in one screen, a projector's 768 px included */
#__UID__ .pic, #__UID__ .side { max-height: max(260px, calc(100vh - var(--cr-chrome, 300px))); }
/* full size, scrolled (Jupyter's outputs shrink every svg to the width: unreadable) */
#__UID__ .pic svg { max-width: none; }
#__UID__ .pic.fit svg { width: 100%; max-width: 100%; height: auto; }
#__UID__ .side { min-width: 190px; font-size: 14px; overflow: auto; }
#__UID__ .side table { border-collapse: collapse; }
#__UID__ .side td { padding: 1px 6px; white-space: nowrap; text-align: left; }
#__UID__ .side tr.now td { background: #fef3c7; }
#__UID__ .hint { color: #64748b; font-size: 12px; }
#__UID__ g.cr-done > path { stroke: #fdba74; }
#__UID__ g.cr-edge > path { stroke: #dc2626; stroke-width: 3.5; }
#__UID__ g.cr-edge > polygon { stroke: #dc2626; fill: #dc2626; }
#__UID__ g.cr-edge > text { font-weight: bold; }
#__UID__ g.cr-parent > path, #__UID__ g.cr-parent > polygon { stroke: #2563eb; stroke-width: 3; }
#__UID__ g.cr-child > path, #__UID__ g.cr-child > polygon { stroke: #dc2626; stroke-width: 3.5; }
#__UID__ g.cr-child > path { fill: #fef3c7; }
#__UID__ g.cr-op > ellipse { stroke: #dc2626; stroke-width: 3; }
#__UID__ text.cr-pending { fill: #cbd5e1; }
#__UID__ text.cr-partial { fill: #f59e0b; }
""".replace("__SANS__", fonts.css_families(style.FONT)).replace("__MONO__", fonts.css_families(style.MONO))

_TEMPLATE = """<div id="__UID__" class="chainrule-stepper" tabindex="0">
<style>__CSS__</style>
<h3>__TITLE__</h3>__NOTES__
__BAR__
<div class="explain"></div>
<div class="body"><div class="pic">__SVG__</div><div class="side"></div></div>
<div class="hint">__KEYS__</div>
<script type="application/json" class="cr-data">__DATA__</script>
<script>(function(){ var root = document.getElementById("__UID__"); __JS__ })();</script>
</div>"""

_JS = r"""
var D = JSON.parse(root.querySelector(".cr-data").textContent);
var S = D.steps, N = S.length;
var svg = root.querySelector("svg"), pic = root.querySelector(".pic");
var slider = root.querySelector("input[type=range]"), count = root.querySelector(".count");
var explain = root.querySelector(".explain"), side = root.querySelector(".side");
var playBtn = root.querySelector("[data-act=play]");
slider.max = N;
function el(id) { return svg ? svg.querySelector('[id="' + id + '"]') : null; }
function gradText(id) {
  var g = el(id); if (!g) return null;
  var ts = g.querySelectorAll("text");
  for (var i = 0; i < ts.length; i++) if (ts[i].textContent.indexOf("grad ") === 0) return ts[i];
  return null;
}
var ids = {}; ids[D.root] = true;
S.forEach(function (s) { ids[s.child] = true; });
var finals = {};
Object.keys(ids).forEach(function (id) {
  var t = gradText(id); if (t) finals[id] = t.textContent;
});
// the page's texts in the language it was made in: D.t's {name}s filled (HTML-escaped
// templates; the values are escaped by the caller where they come from names)
function tr(key, args) {
  return D.t[key].replace(/\{(\w+)\}/g, function (m, n) { return args && n in args ? args[n] : m; });
}
function esc(t) { return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;"); }
// What the picture should show at step k: the first step's edge at the start (next
// to the root, on the right of a wide graph), then the node receiving the gradient
// and the one it comes from (the red edge between them).
function focus(k) {
  return k === 0 ? [N ? S[0].edge : D.root] : [S[k - 1].child, S[k - 1].parent];
}
// Scroll box so that elements gs are in view, clear of its edges by m px (the first
// alone where all do not fit); false while not laid out yet. Only box scrolls: never
// the page or the notebook around it.
function bringIntoView(box, gs, m) {
  var pr = box.getBoundingClientRect();
  if (!pr.width || !pr.height) return false;
  var rs = gs.map(function (g) { return g.getBoundingClientRect(); });
  function span(lo, hi, room) {
    var a = Math.min.apply(null, rs.map(function (r) { return r[lo]; }));
    var b = Math.max.apply(null, rs.map(function (r) { return r[hi]; }));
    return b - a <= room ? [a, b] : [rs[0][lo], rs[0][hi]];
  }
  var x = span("left", "right", pr.width - 2 * m), y = span("top", "bottom", pr.height - 2 * m);
  if (x[0] < pr.left + m || x[1] > pr.right - m)
    box.scrollLeft += (x[0] + x[1]) / 2 - (pr.left + pr.right) / 2;
  if (y[0] < pr.top + m || y[1] > pr.bottom - m)
    box.scrollTop += (y[0] + y[1]) / 2 - (pr.top + pr.bottom) / 2;
  return true;
}
function reveal(ids) {
  var gs = ids.map(el).filter(Boolean);
  if (!gs.length || !pic || pic.classList.contains("fit")) return true;
  return bringIntoView(pic, gs, 24);
}
var marked = [];
function mark(id, cls) { var g = el(id); if (g) { g.classList.add(cls); marked.push([g, cls]); } }
function show(k) {
  k = Math.max(0, Math.min(N, k)); slider.value = k; cur = k;
  marked.forEach(function (m) { m[0].classList.remove(m[1]); }); marked = [];
  var val = {}, got = {}; val[D.root] = D.seed;
  for (var i = 0; i < k; i++) { var s = S[i]; val[s.child] = s.after; got[s.child] = s.k; }
  var total = {}; S.forEach(function (s) { total[s.child] = s.of; });
  Object.keys(ids).forEach(function (id) {
    var t = gradText(id); if (!t) return;
    t.classList.remove("cr-pending", "cr-partial");
    if (val[id] === undefined) { t.textContent = "grad ?"; t.classList.add("cr-pending"); }
    else { t.textContent = "grad " + val[id];
           if (id !== D.root && got[id] < total[id]) t.classList.add("cr-partial"); }
  });
  for (var j = 0; j < k - 1; j++) { mark(S[j].edge, "cr-done"); mark(S[j].res, "cr-done"); }
  count.textContent = tr("count", {k: k, n: N});
  if (k === 0) {
    explain.innerHTML = tr("start", {seed: "<span class='mono grad'>∂" + esc(D.rootName) + "/∂" +
      esc(D.rootName) + " = " + esc(D.seed) + "</span>"});
    mark(D.root, "cr-parent");
  } else {
    var s = S[k - 1];
    mark(s.edge, "cr-edge"); mark(s.res, "cr-edge"); mark(s.parent, "cr-parent");
    mark(s.child, "cr-child"); mark(s.op, "cr-op");
    var share = s.of > 1 ? " <span class='hint'>" +
      tr("share", {k: s.k, of: s.of, name: esc(s.child_name)}) + "</span>" : "";
    explain.innerHTML = "<div class='mono'>" + esc(s.symbolic) + "</div>" +
      "<div class='mono'>= <span class='local'>" + esc(s.local) +
      "</span> &times; <span class='grad'>" +
      esc(s.upstream) + "</span> = <b>" + esc(s.product) + "</b> " +
      "<span class='hint'>" + tr("factors", {op: esc(s.op_symbol)}) + "</span></div>" +
      "<div>" + esc(s.child_name) + ".grad: <span class='mono'>" + esc(s.before) +
      " &rarr; <b class='grad'>" +
      esc(s.after) + "</b></span>" + share + "</div>";
  }
  reveal(focus(k));
  var rows = ["<table><tr><td><b>" + tr("node") + "</b></td><td><b>" + tr("sofar") +
    "</b></td></tr>"];
  var now = k > 0 ? S[k - 1].child : D.root;
  var order = [D.root];
  S.forEach(function (s) { if (order.indexOf(s.child) < 0) order.push(s.child); });
  var unnamed = 0;
  order.forEach(function (id) {
    if (val[id] === undefined) return;
    var name = id === D.root ? D.rootName : D.names[id];
    if (name.charAt(0) === "(" && id !== now) { unnamed++; return; }
    var partial = id !== D.root && got[id] < total[id];
    rows.push("<tr" + (id === now ? " class='now'" : "") + "><td>" + esc(name) +
      "</td><td class='mono " + (partial ? "" : "grad") + "'>" + esc(val[id]) +
      (partial ? " (" + got[id] + "/" + total[id] + ")" : "") + "</td></tr>");
  });
  if (unnamed) rows.push("<tr><td colspan='2' class='hint'>" +
    tr(unnamed > 1 ? "unnamed_many" : "unnamed_one", {n: unnamed}) + "</td></tr>");
  side.innerHTML = rows.join("") + "</table>";
  var row = side.querySelector("tr.now");  // a long table: keep the current row in view
  if (row) bringIntoView(side, [row], 0);
}
var cur = 0, timer = null;
__CONTROLS__
root.querySelector(".fitbox").addEventListener("change", function (e) {
  pic.classList.toggle("fit", e.target.checked);
});
show(0);
// Jupyter may run this before the output is on the page: scroll to the first step
// once the picture has a size (unless the user has moved on already).
(function settle(tries) {
  if (cur !== 0 || reveal(focus(0)) || tries <= 0) return;
  setTimeout(function () { settle(tries - 1); }, 100);
})(100);
"""
_JS = _JS.replace("__CONTROLS__", stepper_page.controls_js(900))
