"""viz.LiveTrainingView as nn.train.fit's callback."""
import math
import re
from html import unescape
from types import SimpleNamespace

import numpy as np
import pytest

import viz
import viz.live
from autograd import no_grad
from nn.layers import MLP
from nn.linear import TensorMLP
from nn.train import fit
from viz import style

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0], [1.0], [1.0], [0.0]]


class FakeHandle:
    def __init__(self):
        self.updates = 0

    def update(self, obj):
        self.updates += 1
        self.last = obj.data


def heights(html):
    """Displayed heights (px) of the pictures in the view: the svg and the img."""
    return [int(h) for h in re.findall(r"<(?:svg|img)\b[^>]*?\sheight=['\"](\d+)", html)]


def test_the_view_follows_fit_and_updates_one_display(monkeypatch):
    import IPython.display

    shown = []
    handle = FakeHandle()

    def fake_display(obj, display_id=False):
        shown.append(obj.data)
        return handle
    monkeypatch.setattr(IPython.display, "display", fake_display)
    # interval=0 and the whole time as budget: every 5th step is drawn
    view = viz.LiveTrainingView(every=5, interval=0, budget=1.0, display=True)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, Y, loss="mse", epochs=12, batch_size=2, callback=view, seed=0,
                  validation=(X, Y))
    view.close()
    assert view.steps == list(range(1, 25))
    assert view.losses == pytest.approx(history.step_loss)
    assert [v for _, v in view.val_points] == pytest.approx(history.val_loss[:-1])
    assert len(shown) == 1  # one display ...
    assert view.redraws == 6 and handle.updates == 5  # ... updated in place (steps 5, ..., 20, 24)
    html = handle.last
    assert "<svg" in html and "data:image/png;base64," in html
    assert "epoch 12 · step 24" in html and "validation loss" in html  # epochs count from 1
    assert ">h1</text>" in html and ">out 0." in html  # graphviz's network, the batch's outputs
    assert max(heights(html)) <= 560


def test_drawing_stays_within_its_budget(monkeypatch):
    """A fake clock: each training step takes 1 ms, each redraw 100 ms. With a
    20% budget the view waits 0.4 s after a frame (0.1 of 0.5 s drawing), longer
    than ``interval``; the first frame, which sets the figure up, does not count."""
    clock = [0.0]
    monkeypatch.setattr(viz.live.time, "perf_counter", lambda: clock[0])
    view = viz.LiveTrainingView(budget=0.2, display=False)

    def slow_render(state):
        clock[0] += 0.1
        return f"step {state.step}"
    monkeypatch.setattr(view, "_render", slow_render)
    for step in range(1, 10001):
        clock[0] += 0.001
        view(SimpleNamespace(step=step, loss=1.0 / step, val_loss=None))
    # frames start at 0.001 s, 0.352 s (interval 0.25 after the first), then every
    # 0.5 s; 10 s of steps plus n * 0.1 s of drawing gives n = 26
    assert view.redraws == 26
    assert view.drawing_seconds / clock[0] == pytest.approx(0.2, abs=0.01)
    assert view.html() != "step 10000"
    view.close()  # the final state is always drawn
    assert view.html() == "step 10000" and view.redraws == 27


def test_cheap_frames_come_every_interval(monkeypatch):
    """Drawing 10 ms per frame: the budget would allow a frame every 40 ms, the
    default interval (0.25 s) makes it four frames a second."""
    clock = [0.0]
    monkeypatch.setattr(viz.live.time, "perf_counter", lambda: clock[0])
    view = viz.LiveTrainingView(display=False)
    monkeypatch.setattr(view, "_render", lambda s: clock.__setitem__(0, clock[0] + 0.01) or "")
    for step in range(1, 2001):  # 2 s of training
        clock[0] += 0.001
        view(SimpleNamespace(step=step, loss=1.0, val_loss=None))
    # a frame at the start, then one every 0.25 + 0.01 s: 1 + floor((2.08 - 0.011) / 0.26)
    assert view.redraws == 8
    assert view.drawing_seconds == pytest.approx(0.08)


def test_a_tensor_model_and_its_activations():
    model = TensorMLP(2, [5, 1], "sigmoid", seed=0, input_names=["temp", "wind"])
    view = viz.LiveTrainingView(display=False)
    fit(model, np.array(X), np.array(Y), loss="mse", epochs=4, callback=view)
    view.close()
    html = view.html()
    assert ">h5</text>" in html and ">temp</text>" in html and ">wind</text>" in html
    acts = viz.batch_activations(model, np.array(X))
    assert [a.shape for a in acts] == [(4, 5), (4, 1)]
    assert np.all((acts[0] > 0) & (acts[0] < 1))
    scalar = viz.batch_activations(MLP(2, [3, 1], seed=0), X)
    assert [a.shape for a in scalar] == [(4, 3), (4, 1)]


def test_a_model_viz_cannot_read_gets_the_plots_alone():
    """fit trains any Module; one without nn.views' describe() shows no network."""
    from autograd import Value
    from nn.module import Module

    class Scale(Module):
        def __init__(self):
            self.a = Value(0.5, "a")

        def __call__(self, x):
            return [self.a * x[0]]

    view = viz.LiveTrainingView(display=False)
    history = fit(Scale(), [[1.0], [2.0]], [[1.0], [2.0]], loss="mse", epochs=2, callback=view)
    view.close()
    html = view.html()
    assert "<svg" not in html and "data:image/png;base64," in html
    assert "epoch 2 · step 2</b>" in html
    assert f">{style.number(history.step_loss[-1], 4)}</span>" in html


def weight_edges(page):
    """(weight label, stroke colour, stroke width) of every weight's edge in the
    page's network picture (graphviz's SVG: the tooltip names the weight; a
    width of 1 is graphviz's default, not written)."""
    found = re.findall(r'<a xlink:title="(W\d+\[\d+,\d+\]|w\d+) = [^"]*">\s*<path fill="none" '
                       r'stroke="(#[0-9a-f]{6})"(?: stroke-width="([\d.]+)")?', page)
    return [(label, color, float(width or 1.0)) for label, color, width in found]


def test_many_inputs_are_drawn_compactly_and_fit_the_height():
    """38 inputs (dozens, as in the bike project of notebook 7): the full picture would be about 2700 px tall.
    The compact one (draw_network's, nodes sized to their column) fits 560 px,
    one edge per weight, the inputs named."""
    rng = np.random.default_rng(0)
    names = [f"in{j}" for j in range(38)]
    model = TensorMLP(38, [16, 1], "sigmoid", output_activation="identity", seed=0,
                      input_names=names)
    Xb, Yb = rng.normal(size=(64, 38)), rng.normal(size=(64, 1))
    view = viz.LiveTrainingView(display=False)
    fit(model, Xb, Yb, loss="mse", epochs=1, callback=view)  # full batch: not shuffled
    html = view.html()
    edges = weight_edges(html)
    assert len(edges) == 38 * 16 + 16
    assert all(f">{n}</text>" in html for n in names)
    width, height = map(int, re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', html).groups())
    # fitted to the 560 px box (which side touches it depends on the fonts graphviz measures with)
    assert width <= 560 and height <= 560 and 560 in (width, height)
    assert max(heights(html)) == 560
    # the plots beside it are as tall as the network: a balanced display
    assert re.search(r"<img width='480' height='560'", html)
    # one edge per weight: the largest |w| has its sign's full colour and, with
    # 624 edges, the largest width (1.8 px); w = 0 would be grey
    W = [model.layers[0].W.data, model.layers[1].W.data]
    weights = np.array([W[int(label[1]) - 1][tuple(map(int, label[3:-1].split(",")))]
                        for label, _, _ in edges])
    assert sorted(weights) == sorted(np.concatenate([w.ravel() for w in W]))  # each one once
    k = int(np.argmax(np.abs(weights)))
    assert edges[k][1:] == ("#dc2626" if weights[k] > 0 else "#2563eb", 1.8)
    assert max(w for _, _, w in edges) == 1.8
    largest = np.abs(weights).max()
    assert [e[1:] for e in edges] == [
        (style.diverging(w, largest), float(f"{style.penwidth_for(w, largest, 0.3, 1.8):.2f}"))
        for w in weights]
    k = int(np.argmin(np.abs(weights)))  # |w| = 1.2e-4: a hairline
    assert abs(weights[k]) < 1e-3 and edges[k][2] < 0.35
    # the output neuron's tooltip: its mean output on the batch
    with no_grad():
        mean_out = model(Xb[:32]).data.mean()
    assert f"mean output {style.number(mean_out, 4)}" in unescape(html)


def test_compact_can_be_chosen_and_small_networks_are_drawn_in_full():
    model = MLP(2, [3, 1], seed=0)
    state = SimpleNamespace(model=model, epoch=1, step=1, loss=0.5, val_loss=None,
                            batch_inputs=X)
    compact = viz.LiveTrainingView(compact=True, display=False)
    compact(state)
    page = compact.html()
    assert len(weight_edges(page)) == 9 and ">h1</text>" in page and ">x2</text>" in page
    assert ">w1</text>" not in page and ">out " not in page  # the numbers: in tooltips
    full = viz.LiveTrainingView(display=False)
    full(state)
    page = full.html()
    # each weight's name and number in a label on its edge
    assert len(re.findall(r">w\d+</text>", page)) == 9 and ">out 0." in page


def test_fit_svg_scales_down_only():
    tall = ('<?xml version="1.0"?>\n<svg width="300pt" height="1500pt" '
            'viewBox="0.00 0.00 300.00 1500.00"><g/></svg>')
    svg, w, h = viz.live.fit_svg(tall, 560, 560)
    assert (w, h) == (112, 560)  # 400 x 2000 px, scaled by 0.28
    assert svg.startswith('<svg viewBox="0.00 0.00 300.00 1500.00" width="112" height="560"')
    small = '<svg width="150pt" height="75pt" viewBox="0 0 150 75"></svg>'
    assert viz.live.fit_svg(small, 560, 560)[1:] == (200, 100)
    with pytest.raises(ValueError, match="no viewBox"):
        viz.live.fit_svg("<svg></svg>", 560, 560)


@pytest.mark.parametrize("kwargs, message", [
    (dict(every=0), "every must be None or a positive int"),
    (dict(budget=0), r"budget is a share of the time, in \(0, 1\]"),
    (dict(interval=-1), "interval must be >= 0"),
    (dict(max_height=100), "max_height must be at least 300"),
])
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.LiveTrainingView(**kwargs)


# For each weight label of the picture: the space (in screen pixels) between the end of
# its name ("w1", bold) and the first visible character of what follows it, as drawn.
NAME_GAPS = """svg => [...svg.querySelectorAll('text')].filter(t => /^w\\d+$/.test(t.textContent))
  .map(name => {
    const value = name.nextElementSibling;
    const text = value.textContent;
    // a browser that drops leading spaces has fewer characters to address
    const first = value.getNumberOfChars() === text.length ? text.search(/\\S/) : 0;
    const end = name.getEndPositionOfChar(name.getNumberOfChars() - 1).x;
    const gap = value.getStartPositionOfChar(first).x - end;
    return [name.textContent, text.trim(), gap * svg.getScreenCTM().a];
  })"""


@pytest.mark.browser
def test_weight_names_and_values_do_not_run_together_in_the_browser(browser_page):
    """Seen on a projector: the live view read "w12.8120" for w1 = 2.8120 (the
    browser dropped the space graphviz had measured). Each weight's name and
    value stand apart by at least a space."""
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = 2.8120
    state = SimpleNamespace(model=model, epoch=1, step=1, loss=0.5, val_loss=None,
                            batch_inputs=X)
    view = viz.LiveTrainingView(display=False)
    view(state)
    page = browser_page
    page.set_content(f"<!DOCTYPE html><html><body>{view.html()}</body></html>")
    gaps = page.locator("svg").first.evaluate(NAME_GAPS)
    assert sorted(name for name, _, _ in gaps) == sorted(f"w{k}" for k in range(1, 10))
    assert {name: value for name, value, _ in gaps}["w1"] == "= 2.8120"
    assert all(gap >= 2.0 for _, _, gap in gaps), gaps


# --- the bike network of notebook 7 (56 inputs, hidden layers [32, 16]) as the live view draws it --
BIKE = [56, 32, 16, 1]


def bike_view(language):
    """The live view after fit on a TensorMLP shaped as notebook 7's, in ``language``."""
    from nn.i18n import using_language

    rng = np.random.default_rng(7)
    Xb, Yb = rng.normal(size=(256, BIKE[0])), rng.normal(size=(256, 1))
    model = TensorMLP(BIKE[0], BIKE[1:], "sigmoid", output_activation="identity", seed=7,
                      input_names=[f"hr_{k}" if k < 24 else f"feat{k}" for k in range(BIKE[0])])
    view = viz.LiveTrainingView(display=False)
    with using_language(language):
        fit(model, Xb, Yb, loss="mse", epochs=2, batch_size=128, callback=view, seed=0)
        view.close()
        return model, view.html()


def svg_tree(page):
    """The network picture of a live view's HTML, parsed."""
    import xml.etree.ElementTree as ET

    svg = page[page.find("<svg"):page.find("</svg>") + len("</svg>")]
    return ET.fromstring(svg)


SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def dejavu_width(text, size):
    """``text``'s width (pt) at ``size`` in DejaVu Sans, the browser's font where Arial
    (which graphviz measures) is missing, about 10% wider; a Chinese character: 1 em."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    cjk = sum(1 for ch in text if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
              or "\u3000" <= ch <= "\u303f")
    latin = "".join(ch for ch in text if not ("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
                                                or "\u3000" <= ch <= "\u303f"))
    width = TextToPath().get_text_width_height_descent(
        latin, FontProperties(family="DejaVu Sans", size=size), ismath=False)[0] if latin else 0.0
    return width + cjk * size


def caption_lines(root):
    """(x in the svg's viewBox, text, font size) of each caption line: the texts
    of the graph itself, outside every node and edge."""
    graph = root.find(f"{SVG}g")
    dx = float(re.search(r"translate\(([-\d.]+)", graph.get("transform")).group(1))
    return [(dx + float(t.get("x")), t.text, float(t.get("font-size")))
            for t in graph.findall(f"{SVG}text")]


def neuron_nodes(root):
    """{neuron name: (cx, cy, inner radius, label text element or None)} for every
    neuron of the picture (a circle; its name is the first word of its tooltip)."""
    found = {}
    for node in root.iter(f"{SVG}g"):
        if node.get("class") != "node":
            continue
        link = node.find(f".//{SVG}a")
        circle = node.find(f".//{SVG}ellipse")
        if circle is None or link is None:
            continue
        name = re.split("[:：;；]", link.get(f"{XLINK}title"))[0]
        r = float(circle.get("rx")) - float(circle.get("stroke-width", "1")) / 2
        found[name] = (float(circle.get("cx")), float(circle.get("cy")), r,
                       node.find(f".//{SVG}text"))
    return found


def label_corners_inside(cx, cy, r, x, y, width, size):
    """Whether a label ``width`` wide, centred at x, baseline y, lies in the circle:
    its box from 0.76 em above the baseline (digits, h) to 0.24 em below (_)."""
    return all(math.hypot(dx, dy) <= r + 1e-9 for dx in (x - width / 2 - cx, x + width / 2 - cx)
               for dy in (y - 0.76 * size - cy, y + 0.24 * size - cy))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_bike_networks_caption_fits_the_picture(language):
    """Seen in Chromium: the caption ran past the picture's right edge ("...for its
    number" and a cut-off "s"): graphviz measured Arial, the browser drew the wider
    DejaVu Sans. Every caption line, measured in DejaVu Sans, ends inside the svg."""
    _model, page = bike_view(language)
    root = svg_tree(page)
    view_width = float(root.get("viewBox").split()[2])
    lines = caption_lines(root)
    ends = [x + dejavu_width(text, size) for x, text, size in lines]
    assert max(ends) <= view_width, list(zip(ends, [t for _, t, _ in lines]))
    assert len(lines) >= 4  # the columns, the biases and names, the edges, the fill
    assert lines[0][1].startswith({"en": "56 inputs · 32 × σ · 16 × σ · 1 × ",
                                   "zh": "56 个输入 · 32 × σ · 16 × σ · 1 × "}[language])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_bike_networks_neurons_are_named_by_one_rule_inside_their_circles(language):
    """Seen: h2 named h2_1 to h2_9 only (h2_10 and on were "too long"), the names
    wider than their circles. Now a column is named all or first-and-last or not at
    all, at one size, each name (measured in DejaVu Sans) inside its circle; the
    caption names the range of a column left unnamed."""
    _model, page = bike_view(language)
    root = svg_tree(page)
    nodes = neuron_nodes(root)
    named = {name for name, (*_, text) in nodes.items() if text is not None}
    h1 = [f"h1_{i}" for i in range(1, 33)]
    h2 = [f"h2_{i}" for i in range(1, 17)]
    assert set(h1 + h2 + ["o1"]) <= set(nodes)
    # 16 circles of about 20 pt: every name fits; 32 of about 10 pt: none does
    assert named == set(h2) | {"o1"}
    sizes = {float(nodes[n][3].get("font-size")) for n in h2}
    assert len(sizes) == 1 and sizes.pop() >= viz.network.MIN_LABEL_PT
    for name in named:
        cx, cy, r, text = nodes[name]
        assert text.text == name
        size = float(text.get("font-size"))
        assert label_corners_inside(cx, cy, r, float(text.get("x")), float(text.get("y")),
                                    dejavu_width(name, size), size), name
    caption = " ".join(t for _, t, _ in caption_lines(root))
    assert "h1_1 … h1_32" in caption and "h2_1 …" not in caption


def test_a_column_too_small_for_every_name_names_its_first_and_last():
    """The rule's middle case, with a name longer than the others: h_10 does not
    fit where h_1 to h_9 would, so only the first and the last are named."""
    assert viz.network.name_size("h2_9", 17.0) > viz.network.name_size("h2_10", 17.0)
    size, named = viz.network.column_names(tuple(f"h{i}" for i in range(1, 11)), 13.0)
    assert named == tuple(range(10)) and size >= viz.network.MIN_LABEL_PT
    names = tuple(f"x{i}" for i in range(1, 10)) + ("long_name_10",)
    size, named = viz.network.column_names(names, 13.0)
    assert named == ()  # the last is too long: neither all nor first-and-last
    names = ("x1",) + tuple(f"long_{i}" for i in range(2, 10)) + ("x10",)
    size, named = viz.network.column_names(names, 13.0)
    assert named == (0, 9) and size == pytest.approx(viz.network.name_size("x10", 13.0))


def node_titles(root):
    """The graphviz names of the nodes and edges ("bias0", "bias0->L0_1") of a picture."""
    return [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
            if g.get("class") in ("node", "edge")]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_bike_networks_biases_are_all_in_their_neurons(language):
    """Seen: a box for b3 (the output layer's one bias) but none for b1 and b2 (one
    per neuron). Now no box at all when a layer has a bias per neuron: each neuron's
    tooltip gives its own, o1's gives b3, as the model holds them; the legend says so."""
    model, page = bike_view(language)
    root = svg_tree(page)
    assert not [t for t in node_titles(root) if t.startswith("bias")]
    tips = {re.split("[:：;；]", a.get(f"{XLINK}title"))[0]: unescape(a.get(f"{XLINK}title"))
            for a in root.iter(f"{SVG}a") if a.get(f"{XLINK}title")}
    for k, layer in enumerate(model.layers):
        names = model.describe().layers[k].neurons
        b = np.asarray(layer.b.data, float).ravel()
        for i, name in enumerate(names):
            label = f"b{k + 1}[{i}]" if len(b) > 1 else f"b{k + 1}"
            assert f"{label} = {style.number(b[i], 4)}" in tips[name], (name, tips[name])
    assert len(names) == 1 and names[0] == "o1"  # the last layer: one neuron, its bias b3
    # o1's gradient size counts b3 as its own bias, as it shows it
    out = model.layers[-1]
    norm = math.sqrt(float(np.sum(np.asarray(out.W.grad) ** 2) + np.sum(np.asarray(out.b.grad) ** 2)))
    assert norm > 0
    assert f"= {style.number(norm, 4)};" in tips["o1"], tips["o1"]
    caption = " ".join(t for _, t, _ in caption_lines(root))
    assert {"en": "biases: one per neuron, in its tooltip",
            "zh": "偏置：每个神经元一个，鼠标停在神经元上可看"}[language] in caption


@pytest.mark.parametrize("compact", [True, False])
def test_shared_biases_are_all_boxes_feeding_their_layer(compact):
    """The slides' 2-3-2 network: b1 and b2 shared by their layers, both drawn as
    boxes, each with a dashed edge into every neuron of its layer; the compact
    picture's legend names them."""
    from slides import slides_232_model

    state = SimpleNamespace(model=slides_232_model(), epoch=1, step=1, loss=0.5, val_loss=None,
                            batch_inputs=[[5.0, 10.0]])
    view = viz.LiveTrainingView(compact=compact, display=False)
    view(state)
    root = svg_tree(view.html())
    titles = node_titles(root)
    assert [t for t in titles if t.startswith("bias") and "->" not in t] == ["bias0", "bias1"]
    assert sorted(t for t in titles if t.startswith("bias") and "->" in t) == [
        "bias0->L0_0", "bias0->L0_1", "bias0->L0_2", "bias1->L1_0", "bias1->L1_1"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "b1" in texts and "b2" in texts
    legend = " ".join(t for _, t, _ in caption_lines(root))
    # the compact picture says where the biases are; the full one writes each with its value
    assert ("biases: the boxes b1, b2" in legend) == compact


def test_a_one_neuron_layers_bias_is_its_neurons_in_the_full_picture_too():
    """TensorMLP(2, [3, 1]): b1 one per neuron, b2 the output's one bias. No box for
    b2 either: o1 carries it, written in the neuron as h1..h3 carry theirs."""
    model = TensorMLP(2, [3, 1], seed=0)
    source = viz.draw_network(model, compact=False).source
    assert "bias0" not in source and "bias1" not in source
    o1 = next(line for line in source.splitlines() if line.strip().startswith("L1_0 ["))
    assert f"b2 {style.number(float(model.layers[1].b.data.ravel()[0]), 6)}" in unescape(o1)
    h1 = next(line for line in source.splitlines() if line.strip().startswith("L0_0 ["))
    assert f"b1[0] {style.number(float(model.layers[0].b.data.ravel()[0]), 6)}" in unescape(h1)
    assert "biases:" not in source  # each written with its name: nothing to explain
    # numbers off (54 weights): each neuron's bias in its tooltip, as the legend says
    model = TensorMLP(8, [6, 1], seed=0)
    source = viz.draw_network(model, compact=False).source
    assert "bias0" not in source and "bias1" not in source
    assert "biases: one per neuron, in its tooltip" in source
    b2 = style.number(float(model.layers[1].b.data.ravel()[0]), 6)
    assert re.search(r'L1_0 \[[^\n]*tooltip="o1; b2 = ' + re.escape(b2) + '"', source)


# In the browser: each caption line's end and each neuron name's width, as drawn, in the
# svg's own units (the viewBox's, graphviz's points).
MEASURE = """svg => {
  const graph = svg.querySelector('g.graph');
  const dx = graph.transform.baseVal.consolidate().matrix.e;
  const caption = [...graph.children].filter(e => e.tagName === 'text')
    .map(t => [t.textContent, dx + t.x.baseVal[0].value + t.getComputedTextLength()]);
  const names = [...svg.querySelectorAll('g.node')].filter(g => g.querySelector('ellipse ~ text'))
    .map(g => { const e = g.querySelector('ellipse'), t = g.querySelector('text');
      return [t.textContent, e.cx.baseVal.value, e.cy.baseVal.value,
              e.rx.baseVal.value - parseFloat(e.getAttribute('stroke-width') || '1') / 2,
              t.x.baseVal[0].value, t.y.baseVal[0].value, t.getComputedTextLength(),
              parseFloat(t.getAttribute('font-size'))]; });
  return {width: svg.viewBox.baseVal.width, caption, names};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_bike_network_fits_as_chromium_draws_it(browser_page, language):
    """The reviewer's view, measured: in Chromium at the projector's size every caption
    line ends inside the picture and every neuron's name lies inside its circle."""
    _model, page = bike_view(language)
    browser_page.set_content(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
                             f"<body>{page}</body></html>")
    got = browser_page.locator("svg").first.evaluate(MEASURE)
    assert max(end for _, end in got["caption"]) <= got["width"], got["caption"]
    assert len(got["caption"]) >= 4
    assert sorted(n[0] for n in got["names"]) == sorted([f"h2_{i}" for i in range(1, 17)] + ["o1"])
    for name, cx, cy, r, x, y, width, size in got["names"]:
        assert label_corners_inside(cx, cy, r, x, y, width, size), (name, width, r)
