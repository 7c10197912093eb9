"""viz.LiveTrainingView as nn.train.fit's callback."""
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
