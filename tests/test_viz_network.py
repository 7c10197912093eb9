"""viz.draw_network: the slides' picture of a network, from nn's public API."""
import math
import re

import numpy as np
import pytest

import viz
from nn.layers import MLP, Layer
from nn.linear import TensorMLP
from nn.losses import half_sse
from slides import slides_232_model


def slides_232():
    """The 2-3-2 network of the slides after one backward pass."""
    model = slides_232_model()
    E = half_sse([model([5.0, 10.0])], [[0.01, 0.99]])
    E.backward()
    return model


def edges(source):
    return [line.strip() for line in source.splitlines() if " -> " in line]


def weight_labels(source):
    """{weight name: (label node id, its label)} of a picture with numbers."""
    found = re.findall(r"\t+(W\d+_\d+_\d+) \[label=<(<table.*?</table>)>", source)
    return {re.search(r"<b>(\w+)</b>", label).group(1): (node, label) for node, label in found}


def test_weights_on_edges_with_value_and_grad():
    src = viz.draw_network(slides_232()).source
    labels = weight_labels(src)
    assert sorted(labels) == sorted(f"w{k}" for k in range(1, 13))
    # each weight sits on its edge: sender -> its label -> receiving neuron
    w7, text = labels["w7"]
    assert "<b>w7</b> = 0.400000" in text and "grad 0.078064" in text
    assert f"L0_0 -> {w7} [arrowhead=none]" in src and f"{w7} -> L1_0" in src  # h1 to o1
    w1, text = labels["w1"]
    assert f"in0 -> {w1}" in src and f"{w1} -> L0_0" in src and "grad 0.012268" in text
    assert re.search(r"\tin0 \[label=l1 ", src) and re.search(r"\tin1 \[label=l2 ", src)
    for name in ("h1", "h2", "h3", "o1", "o2"):
        assert f"<b>{name}</b>" in src
    assert "σ" in src


def test_weight_labels_are_laid_out_in_reading_order_without_overlaps():
    """Graphviz's own layout (its JSON output): the weights stand in a column of
    their own between two layers, grouped by the neuron they feed, top to bottom
    w1 w2 | w3 w4 | w5 w6, and no two of them (or a neuron) overlap."""
    import json
    layout = json.loads(viz.draw_network(slides_232()).pipe(format="json"))
    boxes = {}
    for o in layout["objects"]:
        if "pos" in o:
            x, y = map(float, o["pos"].split(","))
            w, h = float(o["width"]) * 72, float(o["height"]) * 72
            boxes[o["name"]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    ids = {w: node for w, (node, _) in weight_labels(viz.draw_network(slides_232()).source).items()}
    centre_y = lambda n: (boxes[n][1] + boxes[n][3]) / 2  # noqa: E731
    hidden = [ids[f"w{k}"] for k in range(1, 7)]
    output = [ids[w] for w in ("w7", "w9", "w11", "w8", "w10", "w12")]  # o1's, then o2's
    assert all(n.startswith("W0_") for n in hidden) and all(n.startswith("W1_") for n in output)
    for column in (hidden, output):
        ys = [centre_y(n) for n in column]
        assert ys == sorted(ys, reverse=True)  # graphviz's y grows upwards
    x_in, x_h, x_o = (boxes[n][0] for n in ("in0", "L0_0", "L1_0"))
    assert all(boxes["in0"][2] < boxes[n][0] and boxes[n][2] < x_h for n in hidden)
    assert all(boxes["L0_0"][2] < boxes[n][0] and boxes[n][2] < x_o for n in output)
    shown = hidden + output + ["L0_0", "L0_1", "L0_2", "L1_0", "L1_1", "bias0", "bias1"]
    for a in shown:
        for b in shown:
            if a < b:
                ax0, ay0, ax1, ay1 = boxes[a]
                bx0, by0, bx1, by1 = boxes[b]
                assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, (a, b)


def test_grads_show_only_once_there_are_some():
    model = slides_232()
    assert "grad 0.078064" in viz.draw_network(model).source
    hidden = viz.draw_network(model, grads=False).source
    assert "grad" not in hidden and "<b>w7</b> = 0.400000" in hidden
    fresh = MLP.from_layers(slides_232().layers, input_names=["l1", "l2"])
    for p in fresh.parameters():
        p.grad = 0.0
    before = viz.draw_network(fresh).source  # before backward(): every grad is 0
    assert "grad 0.000000" not in before and "data 0.350000" in before
    assert "grad 0.000000" in viz.draw_network(fresh, grads=True).source


def test_a_lone_neuron_and_a_lone_layer_run_on_x():
    from nn.layers import Neuron
    neuron = Neuron(3, "sigmoid", weights=[0.4, 0.3, -0.6], bias=0.25, name="h",
                    weight_names=["W1", "W2", "W3"], bias_name="b")
    src = viz.draw_network(neuron, x=[1.0, -2.0, 0.5]).source
    net = 0.4 * 1.0 + 0.3 * -2.0 - 0.6 * 0.5 + 0.25
    assert f"out {1 / (1 + math.exp(-net)):.6f}" in src  # sigmoid(-0.25) = 0.437823
    assert "out 0.437823" in src and "<b>W3</b> = -0.600000" in src
    layer = Layer(2, 2, "tanh", weights=[[1.0, 0.0], [0.5, 0.5]], bias=False)
    src = viz.draw_network(layer, x=[[1.0, 2.0], [3.0, 0.0]]).source
    means = [(math.tanh(1.0) + math.tanh(3.0)) / 2, (math.tanh(1.5) + math.tanh(1.5)) / 2]
    assert f"out {means[0]:.6f}" in src and f"out {means[1]:.6f}" in src


def test_shared_biases_are_one_node_feeding_the_whole_layer():
    src = viz.draw_network(slides_232()).source
    b1 = next(line for line in src.splitlines() if line.strip().startswith("bias0 ["))
    assert "<b>b1</b>" in b1 and "data 0.350000" in b1 and "grad 0.003461" in b1
    assert len([e for e in edges(src) if e.startswith("bias0 -> L0_")]) == 3
    assert len([e for e in edges(src) if e.startswith("bias1 -> L1_")]) == 2
    assert "b2" in src and "grad 0.078097" in src  # dE/db2 = dE/dnet_o1 + dE/dnet_o2


def test_a_sample_shows_every_neurons_output():
    src = viz.draw_network(slides_232(), x=[5.0, 10.0]).source
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    h = [sig(0.1 * 5 + 0.15 * 10 + 0.35), sig(0.2 * 5 + 0.25 * 10 + 0.35),
         sig(0.3 * 5 + 0.35 * 10 + 0.35)]
    o1 = sig(0.4 * h[0] + 0.5 * h[1] + 0.6 * h[2] + 0.65)
    o2 = sig(0.45 * h[0] + 0.55 * h[1] + 0.65 * h[2] + 0.65)
    # the slides print 0.912934, 0.979164, 0.995275 (rounded once too often), 0.891090, 0.904330
    for name, out in zip(("h1", "h2", "h3", "o1", "o2"), (*h, o1, o2)):
        line = next(x for x in src.splitlines() if f"<b>{name}</b>" in x)
        assert f"out {out:.6f}" in line
    assert "out 0.912934" in src and "out 0.891090" in src


def test_own_biases_sit_in_their_neuron_and_big_networks_use_colours():
    small = MLP(2, [3, 1], seed=3)
    src = viz.draw_network(small).source
    assert "bias0" not in src and "b_h1" in src
    big = MLP(2, [16, 16, 1], seed=0)
    X = np.random.default_rng(1).uniform(-1, 1, (4, 2))
    E = half_sse([big(x) for x in X.tolist()], [[1.0]] * 4)
    E.backward()
    src = viz.draw_network(big, x=X).source
    weight_edges = [e for e in edges(src) if "style=invis" not in e]
    assert len(weight_edges) == 2 * 16 + 16 * 16 + 16
    assert not any("<b>w" in e for e in weight_edges)  # no numbers piled on 304 edges
    assert all(re.search(r'color="#[0-9a-f]{6}".*penwidth=', e) for e in weight_edges)
    w = big.layers[1].neurons[0].w[0]
    assert f"{w.label} = " in src  # its value lives in the edge's tooltip
    assert "red = positive weight" in src and "neuron fill" in src


def test_tensor_mlp_and_bad_input():
    model = TensorMLP(4, [6, 3], "sigmoid", output_activation="softmax", seed=0)
    src = viz.draw_network(model, x=np.ones((3, 4))).source
    assert len([e for e in edges(src) if "style=invis" not in e]) == 4 * 6 + 6 * 3
    assert "W1[0,0] = " in src and "softmax" in src and "out 0." in src
    with pytest.raises(TypeError, match="draw_graph"):
        viz.draw_network(object())


def test_a_tensor_mlp_network_shows_its_input_names():
    from nn import TensorMLP

    model = TensorMLP(2, [2, 1], input_names=["temp", "hour"], seed=0)
    source = viz.draw_network(model).source
    assert "temp" in source and "hour" in source and "x1" not in source


def test_title_is_a_caption_above_the_notes_and_digits_are_checked():
    src = viz.draw_network(slides_232(), title="plain gradients, before any update").source
    assert "<b>plain gradients, before any update</b>" in src
    assert src.index("plain gradients") < src.index("warm: a large one")
    with pytest.raises(ValueError, match="draw_network: digits must be from 0 to 15"):
        viz.draw_network(slides_232(), digits=99)


def test_negative_outputs_are_filled_purple_and_one_sample_is_not_called_a_batch():
    from nn import Neuron

    neuron = Neuron(3, "tanh", weights=[0.4, 0.3, -0.6], bias=0.25)
    source = viz.draw_network(neuron, x=[1.0, -2.0, 0.5]).source
    # out = tanh(0.4 - 0.6 - 0.3 + 0.25) = tanh(-0.25) = -0.244919: a purple tint
    assert "out -0.244919" in source and 'fillcolor="#ead7fb"' in source
    assert "purple down to -1" in source and "mean over the batch" not in source


def test_models_are_read_through_nn_views_only():
    """A model of one's own with describe() and activations() is drawn; one that
    merely looks like a network (a .layers attribute) is told what it lacks."""
    from nn.views import LayerView, NetworkView

    class Doubler:  # one input x, one neuron y = 2x (weight k, grad 0.5 after some backward)
        def describe(self):
            layer = LayerView(("y",), "identity", np.array([[2.0]]), np.array([[0.5]]), (("k",),))
            return NetworkView(("x",), (layer,))

        def activations(self, batch):
            return [2.0 * np.asarray(batch, dtype=float).reshape(-1, 1)]

    src = viz.draw_network(Doubler(), x=[[1.0], [2.0]]).source
    assert "<b>k</b> = 2.000000" in src and "grad 0.500000" in src
    assert "out 3.000000" in src and "mean over the batch" in src  # (2 + 4) / 2
    assert viz.layer_activations(Doubler(), [[1.0], [3.0]]) == [[4.0]]

    class LooksLikeAnMLP:
        layers = MLP(2, [2, 1], seed=0).layers
    for call in (lambda m: viz.draw_network(m), lambda m: viz.layer_activations(m, [[1.0, 2.0]]),
                 lambda m: viz.batch_activations(m, [[1.0, 2.0]])):
        with pytest.raises(TypeError, match=r"needs a network model, got LooksLikeAnMLP: it must "
                                            r"have describe\(\).*and activations\(batch\)"):
            call(LooksLikeAnMLP())
    with pytest.raises(ValueError, match=r"MLP.activations\(batch\): expected samples of 2 inputs"):
        viz.draw_network(MLP(2, [2, 1], seed=0), x=[1.0, 2.0, 3.0])


def test_tall_columns_can_be_drawn_compactly():
    """38 inputs: the full picture's input column is over 20 inches tall; the
    compact one (compact=None picks it for columns of more than 10) puts the 38
    named inputs in order within COLUMN_HEIGHT points, without overlaps."""
    import json

    from viz.network import COLUMN_HEIGHT

    names = [f"in{j}" for j in range(38)]
    model = TensorMLP(38, [16, 1], seed=0, input_names=names)

    def input_boxes(digraph):
        layout = json.loads(digraph.pipe(format="json"))
        boxes = {}
        for o in layout["objects"]:
            if o["name"].startswith("in"):
                x, y = map(float, o["pos"].split(","))
                h = float(o["height"]) * 72
                boxes[int(o["name"][2:])] = (y - h / 2, y + h / 2)
        return [boxes[j] for j in range(38)]

    full = input_boxes(viz.draw_network(model))
    assert full[0][1] - full[-1][0] > 20 * 72
    compact = viz.draw_network(model, compact=None)
    boxes = input_boxes(compact)
    assert boxes[0][1] - boxes[-1][0] <= COLUMN_HEIGHT
    assert all(below[1] <= above[0] for above, below in zip(boxes, boxes[1:]))  # in0 on top
    source = compact.source
    assert all(f"label={n} " in source for n in names)
    assert "W0_" not in source and "W1[3,2] = " in source  # the numbers: in the edges' tooltips
    assert "38 inputs · 16 × σ · 1 × σ" in source


def test_svg_keeps_the_spaces_graphviz_measured():
    """In a browser a label's pieces keep their spaces ("w7 = 0.4", not "w7= 0.4"):
    every text of the SVG says xml:space="preserve", once, with either engine."""
    svg = viz.draw_network(slides_232()).pipe(format="svg").decode()
    texts = re.findall(r"<text\b[^>]*>", svg)
    assert len(texts) > 40 and all('xml:space="preserve"' in t for t in texts)
    assert svg.count('xml:space="preserve"') == len(texts)
    assert re.search(r'font-weight="bold"[^>]*>w7</text>\s*<text xml:space="preserve"[^>]*> = 0.400000<',
                     svg)


def neuron_borders(source):
    """{neuron node id: (border colour, border width)} of a network picture."""
    found = {}
    for line in source.splitlines():
        node = re.match(r"\t+(L\d+_\d+) \[label=<<table.*</table>> (.*)\]$", line)
        if node:
            attrs = dict(re.findall(r'(\w+)="?([^" ]+)"?', node.group(2)))
            found[node.group(1)] = (attrs["color"], float(attrs.get("penwidth", 1.0)))
    return found


def test_large_gradients_stand_out_from_the_others():
    # 1.25 times the mean and at least half the largest: notebook 8's network
    # (|grad| of h1, h2, o1 below) has one large one
    assert viz.network.large_gradients([0.09718554, 0.05210722, 0.07353172]) == [True, False, False]
    # all about the same, or one neuron: none stands out
    assert viz.network.large_gradients([0.3, 0.3, 0.29, 0.31]) == [False] * 4
    assert viz.network.large_gradients([0.5]) == [False]
    assert viz.network.large_gradients([0.0, 0.0]) == [False, False]
    # vanishing gradients: the last layers' are large, the first layers' are not
    # (0.4 > 1.25 * mean 0.075 but < half of 1.0)
    norms = [1e-6] * 10 + [0.5, 0.4]
    assert viz.network.large_gradients(norms) == [False] * 10 + [True, True]
    assert viz.network.large_gradients([1.0, 0.4] + [0.001] * 10) == [True] + [False] * 11
    assert viz.network.large_gradients([math.nan, 1.0, 0.1]) == [False, True, False]


def test_the_warm_border_marks_the_large_gradients_only():
    """Notebook 8's 2-2-1 network (tanh hidden, sigmoid output) after one
    backward pass: every border's width grows with the neuron's gradient, only
    h1's is warm (|grad| 0.0972 against 0.0521 and 0.0735: mean 0.0743)."""
    hidden = Layer(2, 2, "tanh", weights=[[0.5, -0.4], [0.3, 0.8]], bias=[0.1, -0.2])
    output = Layer(2, 1, "sigmoid", weights=[[1.2, -0.7]], bias=[0.05])
    model = MLP.from_layers([hidden, output])
    half_sse([model([1.0, 0.5])], [[0.8]]).backward()
    h1 = hidden.neurons[0]
    # dE/dw1 = (out_o1 - 0.8) * out_o1 (1 - out_o1) * 1.2 * (1 - out_h1^2) * x1: the chain rule
    out_h1 = math.tanh(0.5 - 0.2 + 0.1)
    out_o1 = 1 / (1 + math.exp(-(1.2 * out_h1 - 0.7 * math.tanh(0.3 + 0.4 - 0.2) + 0.05)))
    assert h1.w[0].grad == pytest.approx((out_o1 - 0.8) * out_o1 * (1 - out_o1) * 1.2
                                         * (1 - out_h1 ** 2), rel=1e-12)
    source = viz.draw_network(model, x=[1.0, 0.5]).source
    borders = neuron_borders(source)
    assert borders["L0_0"][0] == viz.style.GRAD
    assert borders["L0_1"][0] != viz.style.GRAD and borders["L1_0"][0] != viz.style.GRAD
    assert borders["L0_0"][1] == 4.0 > borders["L1_0"][1] > borders["L0_1"][1] > 1.0
    assert "warm: a large one (over 1.25 times the neurons&#x27; mean)" in source
    # before backward() there is no gradient: no border says anything
    fresh = MLP.from_layers([Layer(2, 2, "tanh", weights=[[0.5, -0.4], [0.3, 0.8]]),
                             Layer(2, 1, "sigmoid", weights=[[1.2, -0.7]])])
    source = viz.draw_network(fresh, x=[1.0, 0.5], grads=True).source
    assert all(color != viz.style.GRAD for color, _ in neuron_borders(source).values())
    assert "warm" not in source


def test_in_a_deep_sigmoid_network_only_the_last_layers_get_a_warm_border():
    model = MLP(4, [4] * 6 + [1], "sigmoid", seed=0)
    half_sse([model([1.0, -0.5, 0.25, 2.0])], [[1.0]]).backward()
    borders = neuron_borders(viz.draw_network(model, x=[1.0, -0.5, 0.25, 2.0]).source)
    warm = sorted(node for node, (color, _) in borders.items() if color == viz.style.GRAD)
    assert warm and all(int(node[1]) >= 5 for node in warm), warm   # layers 6 and 7 only
