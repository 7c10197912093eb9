"""One number per figure in every view of one run (issue 14): the graph, the
full graph, the network picture and both animations of `chainrule bp` show the
gradients of the report's own convention, to the printed digits; the classroom
animation steps through the report's named quantities in the report's order;
on a projector (1366 x 768) its current step is in view, in large type, and the
sum rule shows at out_h1 when its second path arrives."""
import json
import re
import xml.etree.ElementTree as ET

import pytest

from chainrule.cli import main
from chainrule.report import backward_blocks
from chainrule.solver import solve
from chainrule.spec import preset
from conftest import screenshot
from test_viz_animate import page_data

SVG = "{http://www.w3.org/2000/svg}"
CASES = [("bp232",), ("bp232", "--convention", "simultaneous"), ("bp", "--preset", "exercise211")]


def report_json(capsys, argv) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def boxes(svg_path) -> tuple[dict, dict, dict]:
    """A picture's boxes: name -> the grad it shows, name -> its value, and each
    edge's label keyed by (upper name, lower name) (compact graph ids k<upper>_<lower>)."""
    grads, values, ids, edges = {}, {}, {}, {}
    for g in ET.parse(svg_path).getroot().iter(SVG + "g"):
        texts = [t.text or "" for t in g.iter(SVG + "text")]
        if g.get("class") == "node" and texts:
            name = texts[0].strip()
            ids[g.get("id")] = name
            for t in texts[1:]:
                if t.startswith("grad "):
                    grads[name] = t[5:]
                elif re.fullmatch(r"\s*(= |data )?-?\d+\.\d+", t):
                    values[name] = t.split()[-1]
        elif g.get("class") == "edge" and texts:
            edges[g.get("id")] = texts[0].strip()
    named_edges = {}
    for key, label in edges.items():
        m = re.fullmatch(r"k(\d+)_(\d+)", key or "")
        if m and f"v{m[1]}" in ids and f"v{m[2]}" in ids:
            named_edges[(ids[f"v{m[1]}"], ids[f"v{m[2]}"])] = label
    return grads, values, named_edges | {key: label for key, label in edges.items()}


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    """Every view of each case, written once: {case: {view: path}}."""
    out = {}
    for argv in CASES:
        folder = tmp_path_factory.mktemp("_".join(argv).replace("-", ""))
        paths = {"graph": folder / "g.svg", "full_graph": folder / "f.svg",
                 "network": folder / "n.svg", "animate": folder / "a.html",
                 "animate_ops": folder / "ops.html"}
        flags = [a for view, p in paths.items() for a in (f"--{view.replace('_', '-')}", str(p))]
        assert main([*argv, *flags]) == 0
        out[argv] = paths
    return out


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_every_view_shows_the_reports_gradients(argv, views, capsys):
    report = report_json(capsys, argv)
    capsys.readouterr()
    want = {p: f"{g:.6f}" for p, g in report["gradients"].items()}
    other = {p: f"{g:.6f}" for p, g in report["other_convention"]["gradients"].items()}
    paths = views[argv]
    spec = preset(argv[-1] if argv[0] == "bp" else "bp232")
    initial = solve(spec, report["convention"]).run.initial
    # every dE_total/dX the report's backward section prints (out_h1, net_o1, ...)
    sol = solve(spec, report["convention"])
    printed = {lhs.split("/d", 1)[1]: rhs[-1] for _l, block in backward_blocks(sol)
               for lhs, rhs in (i for i in block.items if isinstance(i, tuple))
               if lhs.strip().startswith("dE_total/d")}
    assert {p: printed[p] for p in want} == want
    for view in ("graph", "full_graph", "network"):
        grads, values, _edges = boxes(paths[view])
        shown = {p: grads[p] for p in want}
        assert shown == want, view
        if view != "network":  # the named values' boxes too
            assert {x: grads[x] for x in printed if x in grads} == printed, view
        # the weights before any update, as the report's forward pass uses them
        assert {p: values[p] for p in want} == {p: f"{v:.6f}" for p, v in initial.items()}, view
    # the classroom animation: each weight's gradient step and its box
    data = page_data(paths["animate"].read_text(encoding="utf-8"))
    names = {box: b["name"] for box, b in data["boxes"].items()}
    filled = {names[s["node"]]: s["value"] for s in data["steps"] if s["fill"] == "grad"}
    assert {p: filled[p] for p in want if p in filled} == {p: want[p] for p in filled if p in want}
    assert {p: b["grad"] for p, b in ((names[k], b) for k, b in data["boxes"].items())
            if p in want} == want
    assert len(filled.keys() & want.keys()) == len(want)  # every parameter's gradient is a step
    # the animation of every operation: each parameter's last step ends on its gradient
    ops = page_data(paths["animate_ops"].read_text(encoding="utf-8"))
    last = {s["child_name"]: s["after"] for s in ops["steps"]}
    assert {p: last[p] for p in want} == want
    if report["convention"] == "sequential" and argv[0] == "bp232":
        assert want["w1"] == "0.010931" and other["w1"] == "0.012268"
    if report["convention"] == "simultaneous" and argv[0] == "bp232":
        assert want["w1"] == "0.012268"


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_each_view_says_its_convention(argv, views, capsys):
    report = report_json(capsys, argv)
    convention = report["convention"]
    for view in ("graph", "full_graph", "network"):
        text = " ".join(t.text or "" for t in ET.parse(views[argv][view]).getroot().iter(SVG + "text"))
        text = re.sub(r"\s+", " ", text)
        assert f"{report['name']}, {convention} convention, as in the report" in text, view
    for view in ("animate", "animate_ops"):
        head = views[argv][view].read_text(encoding="utf-8").split("<h3>")[1].split("</h3>")[0]
        assert f"({convention} convention" in head, view


def test_the_sequential_pictures_edges_use_the_updated_output_weights(views, capsys):
    """The hidden layer's gradients go through w7+..w12+: so do the edges drawn, and the
    caption says so; the simultaneous pictures use w7..w12."""
    for argv, weight in ((("bp232",), "updated"),
                         (("bp232", "--convention", "simultaneous"), "initial")):
        report = report_json(capsys, argv)
        w7 = report["updated"]["w7"] if weight == "updated" else 0.4
        w8 = report["updated"]["w8"] if weight == "updated" else 0.45
        _grads, _values, edges = boxes(views[argv]["graph"])
        assert edges[("net_o1", "out_h1")] == f"{w7:.6f}"
        assert edges[("net_o2", "out_h1")] == f"{w8:.6f}"
        assert edges[("net_o1", "w7")] == "0.912934"  # dnet_o1/dw7 = out_h1 either way
        full = " ".join(t.text or "" for t in
                        ET.parse(views[argv]["full_graph"]).getroot().iter(SVG + "text"))
        assert f" {w7:.6f} " in full
        caption = " ".join(t.text or "" for t in
                           ET.parse(views[argv]["graph"]).getroot().iter(SVG + "text"))
        assert ("updated output weights w7+..w12+" in caption) == (weight == "updated")
    assert report_json(capsys, ("bp232",))["updated"]["w7"] == pytest.approx(0.360968, abs=5e-7)


def test_the_report_says_why_the_hidden_figures_differ_in_its_first_lines(capsys):
    for argv, lines in (((), ("Why dE_total/dw1 = 0.010931 here and not 0.012268: this run takes "
                               "the sequential convention",)),
                        (("--convention", "simultaneous"),
                         ("Why dE_total/dw1 = 0.012268 here and not 0.010931: this run is plain "
                          "gradient descent",))):
        assert main(["bp232", *argv]) == 0
        text = capsys.readouterr().out
        head = " ".join(text.split("\n\n")[1].split())  # the paragraph after the title
        assert head.startswith(lines[0])
        assert "The slide prints 0.011204, which matches neither: an erratum (see the slide " \
               "check, note [5])." in head
        assert "[5] A slide erratum: 0.011204 matches neither convention" in text
    # the 2-1-1 exercise (simultaneous): its hidden weights' gradients differ too (through W+)
    report = report_json(capsys, ("bp", "--preset", "exercise211"))
    sim, seq = report["gradients"]["wi1"], report["other_convention"]["gradients"]["wi1"]
    assert main(["bp", "--preset", "exercise211"]) == 0
    head = " ".join(capsys.readouterr().out.split("network")[0].split())
    assert (f"Why dE_total/dwi1 = {sim:.6f} here and not {seq:.6f}: this run is plain gradient "
            "descent (simultaneous)") in head
    assert "matches neither" not in head  # the handout's figures: none is an erratum
    assert main(["bp232", "--lang", "zh"]) == 0
    zh = capsys.readouterr().out.split("\n\n")[1]
    assert "为什么这里 dE_total/dw1 = 0.010931，而不是 0.012268？" in zh
    assert "课件印的是 0.011204，两种做法都对不上：这是勘误（见课件核对的注 [5]）。" in zh.replace("\n", "")


# --- the classroom animation's steps -----------------------------------------------------------

def classroom(argv, capsys, tmp_path, *lang) -> dict:
    page = tmp_path / "a.html"
    assert main([*argv, *lang, "--animate", str(page)]) == 0
    capsys.readouterr()
    return page_data(page.read_text(encoding="utf-8"))


def collapse(text: str) -> str:
    return " ".join(text.split())


def test_the_classroom_steps_are_the_reports_equations_in_its_order(capsys, tmp_path):
    assert main(["bp232"]) == 0
    report = collapse(capsys.readouterr().out)
    data = classroom(["bp232"], capsys, tmp_path)
    steps = data["steps"]
    names = {k: b["name"] for k, b in data["boxes"].items()}
    # every equation on the page is the report's, and they come in the report's order
    at = 0
    for s in steps:
        if s["phase"] == "update":
            continue
        for line in s["lines"]:
            first = collapse(line)
            found = report.find(first, at if not first.startswith("=") else 0)
            assert found >= 0, line
        at = report.find(collapse(s["lines"][0]), at)
    heads = [s["lines"][0].split(" = ")[0] for s in steps]
    forward = heads[:heads.index("dE_total/dout_o1")]
    assert forward == ["net_h1", "net_h2", "net_h3", "out_h1", "out_h2", "out_h3", "net_o1",
                       "net_o2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total"]
    assert [s["value"] for s in steps[:13]][-1] == "0.391829"
    # the output layer: dE_total/dout_o1, dout_o1/dnet_o1, dE_total/dnet_o1, then each weight
    assert heads[13:18] == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dE_total/dnet_o1",
                            "dnet_o1/dw7", "dE_total/dw7"]
    w7 = next(s for s in steps if s["lines"][0].startswith("dE_total/dw7"))
    assert (names[w7["node"]], w7["fill"], w7["value"]) == ("w7", "grad", "0.078064")
    # sequential: the output layer is updated before the hidden layer's gradients
    updates = [h for h in heads if h.endswith("+")]
    assert updates == ["w7+", "w8+", "w9+", "w10+", "w11+", "w12+",
                       "w1+", "w2+", "w3+", "w4+", "w5+", "w6+"]  # b1, b2 are not trained
    assert heads.index("w12+") < heads.index("dE_o1/dout_h1") < heads.index("w1+")
    w7u = next(s for s in steps if s["lines"][0].startswith("w7+"))
    assert w7u["lines"] == ["w7+ = w7 - η * dE_total/dw7 = 0.4 - 0.5 * 0.078064 = 0.360968"]
    assert (w7u["fill"], w7u["value"], w7u["label"]) == ("update", "0.360968", "w7+")
    # out_h1: the path through o1 arrives (a share), then through o2: the sum rule at the node
    k = heads.index("dE_o1/dout_h1")
    first, second = steps[k], steps[k + 1]
    assert names[first["node"]] == names[second["node"]] == "out_h1"
    assert (first["fill"], first["value"], first["at"]) == ("partial", "0.030866", "")
    assert second["lines"][0].startswith("dE_o2/dout_h1")
    assert second["lines"][-1] == ("dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1 = 0.030866 "
                                   "+ (-0.003360) = 0.027505")
    assert (second["fill"], second["value"]) == ("grad", "0.027505")
    assert second["at"] == "dE_total/dout_h1 = 0.030866 + (-0.003360) = 0.027505"
    assert "(w7+)" in collapse(" ".join(first["lines"]))
    # each path lights its own edge: net_o1 -> out_h1, then net_o2 -> out_h1
    ids = {v: k for k, v in names.items()}
    assert first["edges"] == [f"k{ids['net_o1'][1:]}_{ids['out_h1'][1:]}"]
    assert second["edges"] == [f"k{ids['net_o2'][1:]}_{ids['out_h1'][1:]}"]
    # the shared bias: three paths at once, summed at b1
    b1 = next(s for s in steps if s["lines"][0].startswith("dE_total/db1"))
    assert b1["at"] == "dE_total/db1 = 0.002186 + 0.000716 + 0.000201 = 0.003103"
    assert len(b1["edges"]) == 3 and b1["note"].startswith("b1 is shared by h1, h2, h3")
    w1 = next(s for s in steps if s["lines"][0].split(" = ")[0] == "dE_total/dw1")
    assert w1["value"] == "0.010931"


def test_the_simultaneous_classroom_updates_after_every_gradient(capsys, tmp_path):
    steps = classroom(["bp232", "--convention", "simultaneous"], capsys, tmp_path)["steps"]
    heads = [s["lines"][0].split(" = ")[0] for s in steps]
    first_update = next(i for i, s in enumerate(steps) if s["phase"] == "update")
    assert all(s["phase"] == "update" for s in steps[first_update:])
    assert heads[first_update:] == ["w1+", "w2+", "w3+", "w4+", "w5+", "w6+",
                                    "w7+", "w8+", "w9+", "w10+", "w11+", "w12+"]
    k = heads.index("dE_o1/dout_h1")
    assert steps[k]["value"] == "0.034204"  # through w7 = 0.4: plain gradient descent
    assert "(w7)" in collapse(" ".join(steps[k]["lines"]))
    w1 = next(s for s in steps if s["lines"][0].split(" = ")[0] == "dE_total/dw1")
    assert w1["value"] == "0.012268"


def test_the_211_classroom(capsys, tmp_path):
    """The 2-1-1 exercise: one path to each hidden out, no sum rule; the same numbers as
    its report."""
    report = report_json(capsys, ("bp", "--preset", "exercise211"))
    data = classroom(["bp", "--preset", "exercise211"], capsys, tmp_path)
    names = {k: b["name"] for k, b in data["boxes"].items()}
    grads = {names[s["node"]]: s["value"] for s in data["steps"] if s["fill"] == "grad"}
    for p, g in report["gradients"].items():
        if p in grads:
            assert grads[p] == f"{g:.6f}"
    updates = {s["label"]: s["value"] for s in data["steps"] if s["fill"] == "update"}
    assert updates and all(updates[f"{p}+"] == f"{v:.6f}" for p, v in report["updated"].items()
                           if f"{p}+" in updates)
    assert not any(s["at"] for s in data["steps"])
    # out_h's one path: dE_o/dout_h arrives and is the gradient, in one step
    # (-(1 - out_o) * out_o (1 - out_o) * W = -0.487628 * 0.249847 * 0.1)
    out_h = [s for s in data["steps"] if s["phase"] == "backward" and s["node"]
             and names[s["node"]] == "out_h"]
    assert len(out_h) == 1 and out_h[0]["fill"] == "grad" and out_h[0]["value"] == "-0.012183"
    assert out_h[0]["lines"][0].startswith("dE_o/dout_h = dE_o/dout_o * dout_o/dnet_o * dnet_o/dout_h")
    assert out_h[0]["lines"][-1] == "dE_total/dout_h = dE_o/dout_h = -0.012183"


def test_the_classroom_page_in_chinese(capsys, tmp_path):
    data = classroom(["bp232"], capsys, tmp_path, "--lang", "zh")
    assert data["t"]["forward"] == "前向传播" and data["t"]["update"] == "权重更新"
    second = next(s for s in data["steps"] if s["at"].startswith("dE_total/dout_h1"))
    assert second["at"] == "dE_total/dout_h1 = 0.030866 + (-0.003360) = 0.027505"
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "bp232：一步一步看解题过程（逐层更新）" in page
    assert "按键：" in page


def test_a_deeper_networks_caption_names_each_layers_updated_weights():
    """2-2-2-2, sequential: layer 1's gradients go through w5+..w8+ and w9+..w12+, layer 2's
    through w9+..w12+ only; the caption lists them layer by layer (not "w5+..w12+", which
    reads as if one layer held them all), and the factors on the edges are those weights."""
    from chainrule.classroom import caption, legend
    from chainrule.spec import spec_from_text
    from nn import i18n
    from test_bp_spec import OTHER_SPECS
    sol = solve(spec_from_text(OTHER_SPECS["three_layers_mse_half"]), "sequential", None)
    run = sol.run
    ranges = "w5+..w8+ into h2_1, h2_2; w9+..w12+ into o1, o2"
    en = caption(sol)
    assert f"each layer's back-propagated through the updated weights of the layers above it " \
           f"({ranges})" in en and "w5+..w12+" not in en
    assert f"grad w1 = {run.gradients['w1']:.6f}" in en
    assert legend(sol).startswith("w9+ is w9 after its update: w9 - η * dE_total/dw9. Sequential")
    with i18n.using_language("zh"):
        zh = caption(sol)
    assert "w5+..w8+（通往 h2_1, h2_2）; w9+..w12+（通往 o1, o2）" in zh
    assert zh.startswith("exercise，逐层更新，与解题过程一致：从输出层开始一层一层求梯度")
    # what the caption claims: the edges from h2_k down to out_h1_j carry w5+..w8+, those
    # from o_k down to out_h2_j carry w9+..w12+
    with run.first_pass() as local:
        for lower, names in (("h1", ("w5", "w6", "w7", "w8")), ("h2", ("w9", "w10", "w11", "w12"))):
            into = [f for node, entries in local.items() for c, f in entries
                    if c.label.startswith(f"out_{lower}_")]
            assert sorted(into) == pytest.approx(sorted(run.updated[w] for w in names))
            assert not any(f == pytest.approx(run.initial[w]) for f in into for w in names)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_every_operation_page_says_what_w_plus_is(capsys, tmp_path, lang):
    """--animate-ops: the convention and the w+ legend under the title, not only in it."""
    for convention in ("sequential", "simultaneous"):
        page = tmp_path / f"{convention}.html"
        assert main(["bp232", "--lang", lang, "--convention", convention,
                     "--animate-ops", str(page)]) == 0
        capsys.readouterr()
        notes = re.findall(r"<div class='sub'>(.*?)</div>", page.read_text(encoding="utf-8"))
        assert len(notes) == 2, notes
        if lang == "en":
            assert notes[1].startswith("w7+ is w7 after its update: w7 - η * dE_total/dw7. ")
            if convention == "sequential":
                assert notes[0].startswith("bp232, sequential convention, as in the report")
                assert "the edges below each updated layer carry its updated weights " \
                       "(w7+..w12+ into o1, o2)" in notes[1]
            else:
                assert "every edge carries a weight before its update (w7, not w7+)" in notes[1]
        else:
            first = {"sequential": "逐层更新", "simultaneous": "同时更新"}[convention]
            assert notes[1].startswith(f"w7+ 是更新之后的 w7：w7 - η * dE_total/dw7。{first}：")
            if convention == "sequential":
                assert "逐层更新：一层更新之后，它下面的边用的是更新后的权重：w7+..w12+（通往 o1, o2）。" \
                    in notes[1]
            else:
                assert "同时更新：每条边用的都是更新之前的权重（w7，不是 w7+）" in notes[1]


# --- on a projector ---------------------------------------------------------------------------

READ = """r => {
  const now = r.querySelector("g.cr-now"), pic = r.querySelector(".pic");
  const box = now ? now.getBoundingClientRect() : null, p = pic.getBoundingClientRect();
  const eq = r.querySelector(".explain .eq");
  const grad = now ? [...now.querySelectorAll("text")].find(t => t.textContent.startsWith("grad ")) : null;
  const sum = r.querySelector(".sumrow .card"), line = r.querySelector("svg.lead line");
  const clip = q => ({left: Math.max(q.left, p.left), right: Math.min(q.right, p.right),
                      top: Math.max(q.top, p.top), bottom: Math.min(q.bottom, p.bottom)});
  // the other boxes as the picture shows them (cut at its frame, scrolled away ones empty)
  const others = [...r.querySelectorAll(".pic g.node")].filter(n => n !== now)
    .map(n => [n.id, clip(n.getBoundingClientRect())])
    .filter(([id, q]) => q.right > q.left && q.bottom > q.top);
  const at = (q, k) => q.getBoundingClientRect()[k];
  const lit = r.querySelector("g.cr-lit > text");
  const label = lit ? lit.getBoundingClientRect() : null;
  return {count: r.querySelector(".count").textContent,
          box: box && {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
          pic: {left: p.left, right: p.right, top: p.top, bottom: p.bottom},
          eqPx: eq ? parseFloat(getComputedStyle(eq).fontSize) : null,
          boxTextPx: grad ? grad.getBoundingClientRect().height : null,
          sum: sum && {text: sum.textContent, rect: sum.getBoundingClientRect().toJSON(),
                       others: others,
                       line: [0, 1].map(i => [parseFloat(line.getAttribute("x" + (i + 1))) + at(r, "left"),
                                              parseFloat(line.getAttribute("y" + (i + 1))) + at(r, "top")]),
                       under: r.querySelector("line.cr-lead").getBoundingClientRect().toJSON()},
          eqText: [...r.querySelectorAll(".explain .eq")].map(e => e.textContent),
          explainFits: [...r.querySelectorAll(".explain > div")]
                         .every(c => c.scrollWidth <= c.clientWidth),
          label: label && {left: label.left, right: label.right, top: label.top,
                           bottom: label.bottom, text: lit.textContent}};
}"""


def overlaps(a: dict, b: dict) -> bool:
    return (min(a["right"], b["right"]) > max(a["left"], b["left"])
            and min(a["bottom"], b["bottom"]) > max(a["top"], b["top"]))


@pytest.mark.browser
def test_the_classroom_page_on_a_projector(browser_page, capsys, tmp_path):
    """1366 x 768: every step's box inside the picture's frame and the window, the
    equation in at least 20 px type and the boxes' numbers at least 16 px tall, and the
    sum rule written for out_h1 when its second path arrives, on a card that covers no box,
    pinned to out_h1 by a line."""
    data = classroom(["bp232"], capsys, tmp_path)
    steps = data["steps"]
    page = browser_page
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "a.html").as_uri())
    root = page.locator(".chainrule-classroom")
    page.locator("h3").click()
    window = page.viewport_size
    sum_step = next(k for k, s in enumerate(steps, 1) if s["at"].startswith("dE_total/dout_h1"))
    for k in range(1, len(steps) + 1):
        page.keyboard.press("ArrowRight")
        seen = root.evaluate(READ)
        assert seen["count"] == f"step {k} / {len(steps)}"
        assert seen["eqPx"] >= 20, k
        s = steps[k - 1]
        assert seen["eqText"] == s["lines"]
        assert seen["explainFits"], k  # no line running out of its box
        if s["node"]:
            box, pic = seen["box"], seen["pic"]
            assert pic["left"] <= box["left"] and box["right"] <= pic["right"], (k, box, pic)
            assert pic["top"] <= box["top"] and box["bottom"] <= pic["bottom"], (k, box, pic)
            assert box["right"] <= window["width"] and box["bottom"] <= window["height"]
            assert seen["boxTextPx"] >= 16, k
        elif s["edges"]:  # a local derivative: its edge's number is lit and in view
            label, pic = seen["label"], seen["pic"]
            assert pic["left"] <= label["left"] and label["right"] <= pic["right"], (k, label)
            assert pic["top"] <= label["top"] and label["bottom"] <= pic["bottom"], (k, label)
            assert float(label["text"]) == float(s["lines"][-1].split(" = ")[-1]), k
        if s["at"]:  # every sum rule's card: in the window, over no box, its line to its box
            assert seen["sum"]["text"] == s["at"], k
            card, box = seen["sum"]["rect"], seen["box"]
            assert 0 <= card["left"] and card["right"] <= window["width"], k
            assert 0 <= card["top"] and card["bottom"] <= window["height"], k
            covered = [i for i, q in seen["sum"]["others"] if overlaps(card, q)]
            assert covered == [] and not overlaps(card, box), (k, covered)
            # the line: from the card to the picture's top, then beneath the boxes to its box
            (x1, y1), (x2, y2) = seen["sum"]["line"]
            under, pic = seen["sum"]["under"], seen["pic"]
            assert card["left"] <= x1 <= card["right"] and abs(y1 - card["bottom"]) < 1, k
            assert abs(y2 - pic["top"]) < 1 and abs(under["top"] - pic["top"]) < 2, k
            assert box["left"] <= under["left"] <= box["right"] and abs(x2 - under["left"]) < 3, k
            assert abs(under["bottom"] - box["top"]) < 2, k
            assert x2 - 60 <= card["right"] and card["left"] <= x2 + 60  # above its box
        else:
            assert seen["sum"] is None, k
        if k == sum_step:
            assert seen["sum"]["text"] == "dE_total/dout_h1 = 0.030866 + (-0.003360) = 0.027505"
            grad = root.locator(f'[id="{s["node"]}"] text', has_text="grad ").first
            assert grad.text_content() == "grad 0.027505"
            screenshot(page, "classroom_232_sum_rule_out_h1")
        elif k == sum_step - 1:
            grad = root.locator(f'[id="{s["node"]}"] text', has_text="grad ").first
            assert grad.text_content() == "grad 0.030866"  # one path's share so far
            screenshot(page, "classroom_232_first_path_out_h1")
        if k in (1, 14, len(steps)):
            screenshot(page, f"classroom_232_step{k:02d}")
    assert errors == []
    # the updated weights are renamed and hold their new values at the end
    w7 = next(i for i, b in data["boxes"].items() if b["name"] == "w7")
    texts = root.locator(f'[id="{w7}"] text').all_text_contents()
    assert "w7+" in texts and "0.360968" in texts
    # and every box's texts inside its outline: a renamed box (w10+ = 0.553629) widens with them
    spill = root.evaluate("""r => [...r.querySelectorAll(".pic g.node")].filter(g => {
      const box = g.querySelector("path").getBoundingClientRect();
      return [...g.querySelectorAll("text")].some(t => {
        const q = t.getBoundingClientRect();
        return q.width && (q.left < box.left || q.right > box.right - 2); }); })
      .map(g => g.querySelector("text").textContent)""")
    assert spill == []


@pytest.mark.browser
@pytest.mark.parametrize("argv", [("bp232", "--lang", "zh"), ("bp", "--preset", "exercise211"),
                                  ("bp", "--preset", "exercise211", "--lang", "zh")])
def test_every_step_reads_on_a_projector(browser_page, capsys, tmp_path, argv):
    """The Chinese page and the 2-1-1 exercise at 1366 x 768, every step: its box in the
    picture's frame, its equations in one line each at 16 px or more, a sum card (bp232)
    over no box."""
    data = classroom(list(argv), capsys, tmp_path)
    page = browser_page
    page.goto((tmp_path / "a.html").as_uri())
    root = page.locator(".chainrule-classroom")
    page.locator("h3").click()
    cards = 0
    for k, s in enumerate(data["steps"], 1):
        page.keyboard.press("ArrowRight")
        seen = root.evaluate(READ)
        assert seen["eqText"] == s["lines"] and seen["explainFits"] and seen["eqPx"] >= 16, k
        if s["node"]:
            box, pic = seen["box"], seen["pic"]
            assert pic["left"] <= box["left"] and box["right"] <= pic["right"], k
            assert pic["top"] <= box["top"] and box["bottom"] <= pic["bottom"], k
        if s["at"]:
            cards += 1
            assert seen["sum"]["text"] == s["at"]
            assert [i for i, q in seen["sum"]["others"] if overlaps(seen["sum"]["rect"], q)] == []
    assert cards == (5 if argv[0] == "bp232" else 0)  # out_h1..out_h3, b1, b2
