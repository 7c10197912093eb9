"""viz.animate_backward / BackwardStepper: the engine's own backward steps,
written into a self-contained page."""
import json
import re
import subprocess

import pytest

import viz
from autograd import Value
from conftest import browser_executable
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




def browser_dom(page: str, script: str, tmp_path) -> str:
    """The page's DOM after ``script`` ran in a headless browser (1000 x 700 window)."""
    path = tmp_path / "p.html"
    path.write_text(page.replace("</body>", f"<script>{script}</script></body>"), encoding="utf-8")
    return subprocess.run([browser_executable(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--window-size=1000,700", "--virtual-time-budget=3000", "--dump-dom",
                           path.as_uri()], capture_output=True, text=True, timeout=60).stdout


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


@pytest.mark.browser
def test_the_page_steps_in_a_browser(tmp_path):
    a, b, c = abc()
    press = ("setTimeout(function(){var r=document.querySelector('.chainrule-stepper');"
             "for(var i=0;i<3;i++) r.dispatchEvent(new KeyboardEvent('keydown',"
             "{key:'ArrowRight'}));},20)")
    dom = browser_dom(viz.BackwardStepper(c).page(), press, tmp_path)
    assert "step 3 / 4" in dom
    assert "grad 2.000000" in dom and "cr-partial" in dom  # a: 1 of its 2 contributions
    assert "∂c/∂a += ∂b/∂a × ∂c/∂b" in dom


@pytest.mark.browser
def test_the_page_opens_scrolled_to_the_first_step(tmp_path):
    """The 2-3-2 graph is far wider than the window, leaves on the left; step 0
    is at the root on the right: the picture opens scrolled there."""
    E, _ = net232()
    stepper = viz.BackwardStepper(E)
    first = stepper.steps[0]["edge"]
    assert first == "e61_0"  # E_total = E_o1 + E_o2: the root's first edge
    probe = ("setTimeout(function(){var r=document.querySelector('.chainrule-stepper');"
             "var pic=r.querySelector('.pic'), e=r.querySelector('[id=\"" + first + "\"]');"
             "var p=pic.getBoundingClientRect(), g=e.getBoundingClientRect();"
             "document.body.setAttribute('data-probe', [Math.round(pic.scrollLeft),"
             "pic.scrollWidth - pic.clientWidth, g.left >= p.left && g.right <= p.right"
             " && g.top >= p.top && g.bottom <= p.bottom].join(' '));}, 500)")
    dom = browser_dom(stepper.page(), probe, tmp_path)
    left, most, visible = re.search(r'data-probe="(\d+) (\d+) (\w+)"', dom).groups()
    assert visible == "true"
    assert int(most) > 1500  # a wide picture in a 1000-pixel window
    assert int(left) > int(most) // 2  # scrolled right, towards the root
