"""viz.animate_backward / BackwardStepper: the engine's own backward steps,
written into a self-contained page."""
import json
import re
from collections import Counter

import pytest

import viz
from autograd import Value, format_number
from conftest import screenshot
from test_viz_graph import abc, net232


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" class="cr-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_steps_of_a_plus_a_fill_the_grads_edge_by_edge():
    a, b, c = abc()
    stepper = viz.BackwardStepper(c)
    frames = [(s["edge"], s["child_name"], s["local"], s["upstream"], s["product"], s["after"],
               s["k"], s["of"]) for s in stepper.steps]
    assert frames == [
        ("e2_0", "b", "1.000000", "1.000000", "1.000000", "1.000000", 1, 2),
        ("e2_1", "b", "1.000000", "1.000000", "1.000000", "2.000000", 2, 2),
        ("e1_0", "a", "1.000000", "2.000000", "2.000000", "2.000000", 1, 2),
        ("e1_1", "a", "1.000000", "2.000000", "2.000000", "4.000000", 2, 2),
    ]
    assert stepper.steps[2]["symbolic"] == "∂c/∂a += ∂b/∂a × ∂c/∂b"
    assert a.grad == 0.0 and c.grad == 0.0  # the graph is left as it was


def test_the_232_stepper_ends_on_backwards_grads_and_leaves_them_alone():
    E, n = net232()
    E.backward()
    before = {k: v.grad for k, v in n.items()}
    stepper = viz.BackwardStepper(E)
    assert {k: v.grad for k, v in n.items()} == before
    last = {}
    for s in stepper.steps:
        last[s["child_name"]] = s
    for name in ("w1", "w7", "out_h1", "net_o1", "b1", "l2"):
        assert last[name]["after"] == f"{n[name].grad:.6f}"
        assert last[name]["k"] == last[name]["of"]
    assert last["out_h1"]["of"] == 2  # through o1 and o2: the multi-path sum rule
    assert last["b1"]["of"] == 3  # shared by h1, h2, h3
    assert not any(s["child_name"] in ("0.5", "0.01", "2") for s in stepper.steps)
    # every kept step is one the engine took, with its numbers
    steps = viz.record_backward(E)
    w7_step = next(s for s in steps if s.child is n["w7"])
    w7_frame = next(s for s in stepper.steps if s["child_name"] == "w7")
    assert w7_frame["local"] == f"{w7_step.local:.6f}" == f"{n['out_h1'].data:.6f}"
    assert w7_frame["product"] == f"{w7_step.product:.6f}" == "0.078064"


def test_record_backward_products_sum_to_each_grad():
    E, n = net232()
    steps = viz.record_backward(E)
    assert n["w1"].grad == 0.0  # restored
    sums = {}
    for s in steps:
        sums[id(s.child)] = sums.get(id(s.child), 0.0) + s.product
    E.backward()
    for v in n.values():
        if v is not E:
            assert sums[id(v)] == pytest.approx(v.grad, rel=1e-12, abs=1e-15)


def test_the_page_is_self_contained(tmp_path):
    E, n = net232()
    path = viz.animate_backward(E, tmp_path / "steps.html")
    assert path == tmp_path / "steps.html"
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", html)
    assert "@import" not in html and "url(" not in html
    data = page_data(html)
    assert len(data["steps"]) == len(viz.BackwardStepper(E))
    assert data["rootName"] == "E_total" and data["seed"] == "1.000000"
    for s in data["steps"]:  # every element the script steps through is in the picture
        for key in ("edge", "res", "parent", "child"):
            assert f'id="{s[key]}"' in html
    fragment = viz.BackwardStepper(E)._repr_html_()
    assert fragment.startswith('<div id="crs') and "<html" not in fragment
    assert "ArrowRight" in fragment and 'type="range"' in fragment


def test_the_page_needs_an_html_name_in_an_existing_folder(tmp_path):
    _, _, c = abc()
    with pytest.raises(ValueError, match="animate_backward: the page is HTML: give a file name "
                                         "ending in .html, got 'x.txt'"):
        viz.animate_backward(c, tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError, match="animate_backward: the folder .*missing' does not "
                                                "exist"):
        viz.animate_backward(c, tmp_path / "missing" / "x.html")
    assert list(tmp_path.iterdir()) == []
    page = viz.animate_backward(c, tmp_path / "x.html", title="a + a, twice")
    assert "<h3>a + a, twice</h3>" in page.read_text()


def test_a_graph_too_big_to_step_through_gets_advice_that_applies():
    x = Value(0.5, "x")
    y = x
    for _ in range(700):  # 4 nodes a step (two constants, * and +): 2,801 nodes
        y = y * 1.001 + 0.001
    with pytest.raises(viz.GraphTooLargeError) as info:
        viz.BackwardStepper(y)
    message = str(info.value)
    assert message.startswith("BackwardStepper: the graph under (+) has 2,801 nodes, more than "
                              "max_nodes=2,000")
    assert "group=" not in message  # draw_graph's advice: BackwardStepper cannot group
    assert "one sample's loss" in message
    with pytest.raises(ValueError, match="BackwardStepper: digits must be from 0 to 15"):
        viz.BackwardStepper(x * 2, digits=-1)


# --- in a real browser: every control, the step text and the table after each step --------

def engine_views(root) -> list[dict]:
    """What the stepper must show after 0, 1, ..., N steps, taken from the engine itself:
    ``record_backward``'s steps (numbers lifted into the graph left out, as on the page) and
    their running sums. The table: the root's seed, then each node reached so far in that
    order ('(j/n)' while it waits for more paths; unnamed ones only while current, counted
    in a last row)."""
    fmt = format_number
    kept = [s for s in viz.record_backward(root) if s.child.children or s.child.label]
    total = Counter(id(s.child) for s in kept)
    seed = [root.label, fmt(1.0)]
    views = [{"count": f"step 0 / {len(kept)}", "table": [seed], "explain": None, "grads": {},
              "waiting": set()}]
    run: dict[int, float] = {}
    got: Counter = Counter()
    order: list = []
    for k, s in enumerate(kept, start=1):
        c = id(s.child)
        before = run.get(c, 0.0)
        run[c] = before + s.product
        got[c] += 1
        if s.child not in order:
            order.append(s.child)
        rows, unnamed = [seed], 0
        for n in order:
            if not n.label and n is not s.child:
                unnamed += 1
                continue
            waits = f" ({got[id(n)]}/{total[id(n)]})" if got[id(n)] < total[id(n)] else ""
            rows.append([n.label or f"({n.op.symbol})", fmt(run[id(n)]) + waits])
        if unnamed:
            rows.append([f"and {unnamed} unnamed intermediate node" + ("s" if unnamed > 1 else "")])
        name = s.child.label or f"({s.child.op.symbol})"
        views.append({
            "count": f"step {k} / {len(kept)}", "table": rows,
            "explain": (f"= {fmt(s.local)} × {fmt(s.upstream)} = {fmt(s.product)}",
                        f"{name}.grad: {fmt(before)} → {fmt(run[c])}"),
            "grads": {n.label: fmt(run[id(n)]) for n in order if n.label},
            "waiting": {n.label for n in order if n.label and got[id(n)] < total[id(n)]},
        })
    return views


# Everything a student sees of one stepper, read from the page.
READ_STEPPER = """root => {
  const texts = g => Array.from(g.querySelectorAll("text"));
  const boxes = {};
  root.querySelectorAll("svg g.node").forEach(g => {
    const t = texts(g), grad = t.find(x => x.textContent.startsWith("grad "));
    if (grad && !/^(data|grad) /.test(t[0].textContent))
      boxes[t[0].textContent] = [grad.textContent, grad.getAttribute("class") || ""];
  });
  const pic = root.querySelector(".pic").getBoundingClientRect();
  const side = root.querySelector(".side").getBoundingClientRect();
  const row = root.querySelector(".side tr.now"), now = row && row.getBoundingClientRect();
  const svg = root.querySelector("svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = Array.from(svg.querySelectorAll("text"))
    .filter(t => t.textContent.startsWith("grad "))
    .map(t => parseFloat(t.getAttribute("font-size")) * scale);
  return {
    count: root.querySelector(".count").textContent,
    explain: root.querySelector(".explain").innerText,
    table: Array.from(root.querySelectorAll(".side tr")).slice(1)
      .map(tr => Array.from(tr.cells).map(td => td.textContent)),
    now: Array.from(root.querySelectorAll(".side tr.now td")).map(td => td.textContent),
    boxes: boxes,
    slider: root.querySelector("input[type=range]").value,
    play: root.querySelector("[data-act=play]").textContent,
    red: Array.from(root.querySelectorAll("svg .cr-edge")).map(g => g.id),
    pic: [pic.left, pic.top, pic.right, pic.bottom],
    // the current row inside the table's scrolled view
    nowInView: !now || (now.top >= side.top - 0.5 && now.bottom <= side.bottom + 0.5),
    gradPx: Math.min(...sizes),  // the grads' font size as shown, in px
  };
}"""


RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def read(stepper) -> dict:
    return stepper.evaluate(READ_STEPPER)


def assert_shows(stepper, view: dict, data: dict, k: int) -> dict:
    """The stepper shows step k: its text, the table, the grads in the picture, the red edge."""
    seen = read(stepper)
    assert seen["count"] == view["count"] and seen["slider"] == str(k)
    assert seen["table"] == view["table"]
    assert seen["nowInView"], f"step {k}: the current row is scrolled out of the table"
    if view["explain"] is None:
        assert seen["explain"].startswith("Start: the seed ∂")
        assert seen["red"] == []
    else:
        step = data["steps"][k - 1]
        assert seen["explain"].splitlines()[0] == step["symbolic"]
        assert all(line in seen["explain"] for line in view["explain"]), seen["explain"]
        assert seen["now"] == view["table"][[r[0] for r in view["table"]].index(step["child_name"])]
        assert sorted(seen["red"]) == sorted([step["edge"], step["res"]])
    for name, (text, cls) in seen["boxes"].items():
        if name == data["rootName"]:
            assert text == f"grad {data['seed']}"
        elif name in view["grads"]:
            assert text == f"grad {view['grads'][name]}"
            assert ("cr-partial" in cls) == (name in view["waiting"]), name  # amber
        else:
            assert (text, cls) == ("grad ?", "cr-pending"), name
    return seen


def assert_in_view(stepper, step: dict, seen: dict) -> None:
    """The node receiving the gradient and the one it comes from are inside the picture's
    scrolled view, and the picture inside the window."""
    left, top, right, bottom = seen["pic"]
    for end in ("child", "parent"):
        box = stepper.locator(f'[id="{step[end]}"]').evaluate(RECT)
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, (
            f"{seen['count']}: the {end} {step[end]} is out of view")
    assert bottom <= stepper.page.viewport_size["height"]


def open_stepper(page, html: str, tmp_path, *, clock: bool = False):
    """Load the page from a file as a student would open it; the stepper's locator."""
    path = tmp_path / "steps.html"
    path.write_text(html, encoding="utf-8")
    if clock:  # fake timers: play's 0.9 s ticks run on the test's command
        page.clock.install()
    page.goto(path.as_uri())
    return page.locator(".chainrule-stepper")


@pytest.mark.browser
def test_the_page_steps_in_a_browser(browser_page, tmp_path):
    a, b, c = abc()
    stepper = open_stepper(browser_page, viz.BackwardStepper(c).page(), tmp_path)
    stepper.focus()
    for _ in range(3):
        browser_page.keyboard.press("ArrowRight")
    dom = browser_page.content()
    assert "step 3 / 4" in dom
    assert "grad 2.000000" in dom and "cr-partial" in dom  # a: 1 of its 2 contributions
    assert "∂c/∂a += ∂b/∂a × ∂c/∂b" in dom


@pytest.mark.browser
def test_every_control_of_the_page_shows_the_engines_numbers(browser_page, tmp_path):
    """a + a twice: first, back, play (and pause), forward, last, the slider and every key,
    each checked against the step text and the grads the engine computes."""
    a, b, c = abc()
    html = viz.BackwardStepper(c).page()
    data = page_data(html)
    views = engine_views(c)
    assert len(views) == 5
    c.backward()
    assert views[-1]["grads"] == {"a": format_number(a.grad), "b": format_number(b.grad)}
    assert a.grad == 4.0 and b.grad == 2.0
    page = browser_page
    stepper = open_stepper(page, html, tmp_path, clock=True)
    button = {act: stepper.locator(f"[data-act={act}]")
              for act in ("first", "prev", "play", "next", "last")}
    shows = lambda k: assert_shows(stepper, views[k], data, k)  # noqa: E731
    shows(0)
    for k in range(1, 5):  # forward, step by step
        button["next"].click()
        shows(k)
    button["next"].click()  # past the end: stays
    shows(4)
    button["prev"].click()
    shows(3)
    button["first"].click()
    shows(0)
    button["prev"].click()  # before the start: stays
    shows(0)
    button["last"].click()
    shows(4)
    stepper.locator("input[type=range]").fill("2")  # the slider
    shows(2)
    page.keyboard.press("ArrowRight")  # on the slider: one step, not the slider's own two
    shows(3)
    page.locator("h3").click()  # keys on a page of its own, focus anywhere
    for key, k in (("ArrowLeft", 2), ("End", 4), ("Home", 0), ("ArrowRight", 1)):
        page.keyboard.press(key)
        shows(k)
    # play: a step every 0.9 s, pause, space plays on, stops at the end
    button["play"].click()
    assert read(stepper)["play"] == "‖ pause"
    page.clock.run_for(900)
    shows(2)
    page.clock.run_for(900)
    shows(3)
    button["play"].click()
    assert read(stepper)["play"] == "▶ play"
    page.clock.run_for(3000)
    shows(3)
    page.keyboard.press(" ")
    assert read(stepper)["play"] == "‖ pause"
    page.clock.run_for(900)
    shows(4)
    page.clock.run_for(900)
    assert read(stepper)["play"] == "▶ play"  # stopped at the end
    shows(4)
    page.keyboard.press(" ")  # from the end, play starts over
    shows(0)
    page.clock.run_for(900)
    shows(1)
    button["next"].click()  # a button stops the play
    assert read(stepper)["play"] == "▶ play"
    page.clock.run_for(3000)
    shows(2)


@pytest.mark.browser
def test_the_232_page_shows_the_engines_grads_at_every_step(browser_page, tmp_path):
    """The slides' 2-3-2 network at a projector's 1366 x 768: every step's text, table and
    picture against the engine's own steps; the current node in view at every step; fit
    width; the last step's table is backward()'s grads."""
    E, n = net232()
    html = viz.BackwardStepper(E).page()
    data = page_data(html)
    views = engine_views(E)
    N = len(views) - 1
    E.backward()
    last = dict(map(tuple, views[-1]["table"][:-1]))
    for name, v in n.items():
        if v is not E:
            assert last[name] == format_number(v.grad), name
    assert last["w7"] == "0.078064"  # dE_total/dw7 on the slides
    page = browser_page
    stepper = open_stepper(page, html, tmp_path)
    w7 = next(k for k in range(1, N + 1) if data["steps"][k - 1]["child_name"] == "w7")
    for k in range(N + 1):
        if k:
            page.keyboard.press("ArrowRight")
        seen = assert_shows(stepper, views[k], data, k)
        assert seen["gradPx"] >= 12  # full size, readable from the back of the room
        if k:  # the nodes at both ends of the red edge are in view, in the scrolled picture
            assert_in_view(stepper, data["steps"][k - 1], seen)
        if k == w7:  # the slides' dE_total/dw7 = out_h1 × δ_o1
            assert "w7.grad: 0.000000 → 0.078064" in seen["explain"]
            assert f"= {format_number(n['out_h1'].data)} × " in seen["explain"]
        if k in (0, 1, w7, N):
            screenshot(page, f"animate_232_step{k:02d}")
    # fit width: the whole picture in the frame, no scrolling; off again: the wide picture
    pic = stepper.locator(".pic")
    scroll = "p => [p.scrollWidth, p.clientWidth]"
    wide, frame = pic.evaluate(scroll)
    assert wide > 1.5 * frame
    stepper.locator(".fitbox").check()
    assert pic.evaluate(scroll)[0] <= frame
    assert read(stepper)["gradPx"] < 6  # the overview: too small to read, as it says
    assert stepper.locator("svg").bounding_box()["width"] <= frame + 1
    screenshot(page, f"animate_232_step{N:02d}_fit_width")
    stepper.locator(".fitbox").uncheck()
    assert pic.evaluate(scroll)[0] == wide
    assert read(stepper)["count"] == f"step {N} / {N}"


@pytest.mark.browser
def test_the_page_opens_scrolled_to_the_first_step(chromium, tmp_path):
    """The 2-3-2 graph is far wider than the window, leaves on the left; step 0
    is at the root on the right: the picture opens scrolled there."""
    E, _ = net232()
    stepper = viz.BackwardStepper(E)
    first = stepper.steps[0]["edge"]
    assert first == "e61_0"  # E_total = E_o1 + E_o2: the root's first edge
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        root = open_stepper(page, stepper.page(), tmp_path)
        pic = root.locator(".pic")
        page.wait_for_function("p => p.scrollLeft > 0", arg=pic.element_handle())
        left, most = pic.evaluate("p => [p.scrollLeft, p.scrollWidth - p.clientWidth]")
        p, g = pic.bounding_box(), root.locator(f'[id="{first}"]').bounding_box()
        visible = (g["x"] >= p["x"] and g["x"] + g["width"] <= p["x"] + p["width"]
                   and g["y"] >= p["y"] and g["y"] + g["height"] <= p["y"] + p["height"])
    finally:
        context.close()
    assert visible
    assert most > 1500  # a wide picture in a 1000-pixel window
    assert left > most // 2  # scrolled right, towards the root
