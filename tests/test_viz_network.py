"""viz.draw_network: the slides' picture of a network, from nn's public API."""
import math
import re

import numpy as np
import pytest

import viz
from nn.layers import MLP, Layer
from nn.linear import TensorMLP
from nn.losses import half_sse


def slides_232():
    """The 2-3-2 network of the slides: shared biases, w numbered as printed."""
    hidden = Layer(2, 3, "sigmoid", weights=[[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]],
                   bias=0.35, neuron_names=["h1", "h2", "h3"],
                   weight_names=[["w1", "w2"], ["w3", "w4"], ["w5", "w6"]], bias_names="b1")
    output = Layer(3, 2, "sigmoid", weights=[[0.4, 0.5, 0.6], [0.45, 0.55, 0.65]],
                   bias=0.65, neuron_names=["o1", "o2"],
                   weight_names=[["w7", "w9", "w11"], ["w8", "w10", "w12"]], bias_names="b2")
    model = MLP.from_layers([hidden, output], input_names=["l1", "l2"])
    E = half_sse([model([5.0, 10.0])], [[0.01, 0.99]])
    E.backward()
    return model


def edges(source):
    return [line.strip() for line in source.splitlines() if " -> " in line]


def test_weights_on_edges_with_value_and_grad():
    src = viz.draw_network(slides_232()).source
    (w7,) = [e for e in edges(src) if "<b>w7</b>" in e]
    assert w7.startswith("L0_0 -> L1_0")  # from h1 to o1
    assert "<b>w7</b> 0.400000" in w7 and "grad 0.078064" in w7
    (w1,) = [e for e in edges(src) if "<b>w1</b>" in e]
    assert w1.startswith("in0 -> L0_0") and "grad 0.012268" in w1
    assert len([e for e in edges(src) if "<b>w" in e]) == 12
    assert re.search(r"\tin0 \[label=l1 ", src) and re.search(r"\tin1 \[label=l2 ", src)
    for name in ("h1", "h2", "h3", "o1", "o2"):
        assert f"<b>{name}</b>" in src
    assert "σ" in src


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
