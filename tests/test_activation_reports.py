"""leaky_relu, elu and softplus as layer activations: in nn's layers, in a
spec's worked solution (both languages, the local derivative's figure equal to
its closed form), and in the network picture."""
import math

import numpy as np
import pytest

from chainrule.report import render_text
from chainrule.solver import solve
from chainrule.spec import spec_from_text
from nn import ACTIVATIONS, MLP, Layer, TensorMLP, using_language
from viz import draw_network

NEW = ("leaky_relu", "elu", "softplus")

SPEC = """
inputs = [0.5, -1.0]
targets = [0.3]
activation = "{hidden}"
loss = "half_sse"
learning_rate = 0.5
[[layers]]
weights = [[0.3, 0.6], [-0.1, 0.4]]
bias = [0.05, 0.9]
[[layers]]
weights = [[0.7, -0.5]]
activation = "{output}"
"""


def slope(name: str, net: float) -> float:
    return {"leaky_relu": 1.0 if net > 0 else 0.01,
            "elu": 1.0 if net > 0 else math.exp(net),
            "softplus": 1.0 / (1.0 + math.exp(-net))}[name]


def forward(name: str, net: float) -> float:
    return {"leaky_relu": net if net > 0 else 0.01 * net,
            "elu": net if net > 0 else math.expm1(net),
            "softplus": math.log1p(math.exp(net))}[name]


def test_the_layers_know_the_new_activations():
    assert set(NEW) <= set(ACTIVATIONS)
    layer = Layer(2, 2, "elu", weights=[[1.0, -2.0], [0.5, 0.5]], bias=[0.0, -1.0])
    outs = layer([1.0, 1.0])
    assert [o.data for o in outs] == [math.expm1(-1.0), 0.0]
    model = TensorMLP(2, [3, 1], "leaky_relu", output_activation="softplus", seed=0)
    x = np.array([[0.2, -0.4], [1.0, 3.0]])
    W1, b1, W2, b2 = (p.data for p in model.parameters())
    h = x @ W1 + b1
    expected = np.logaddexp(0.0, np.where(h > 0, h, 0.01 * h) @ W2 + b2)
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-14)


@pytest.mark.parametrize("hidden, output", [("elu", "softplus"), ("leaky_relu", "elu"),
                                            ("softplus", "leaky_relu")])
def test_the_worked_solution_writes_each_activation_and_its_slope(hidden, output):
    spec = spec_from_text(SPEC.format(hidden=hidden, output=output))
    sol = solve(spec)
    run = sol.run
    text = render_text(sol)
    for n, name in (("h1", hidden), ("h2", hidden), ("o1", output)):
        net = run.nodes[f"net_{n}"].data
        assert run.nodes[f"out_{n}"].data == pytest.approx(forward(name, net), rel=1e-14)
        assert run.derivative(f"out_{n}", f"net_{n}") == pytest.approx(slope(name, net), rel=1e-14)
        line = next(line for line in text.splitlines() if f"dout_{n}/dnet_{n}" in line
                    and line.strip().startswith(f"dout_{n}"))
        assert line.rstrip().endswith(f"{slope(name, net):.6f}"), line
    # the nets are on both sides of 0 in this spec: both branches are shown
    nets = [run.nodes[f"net_{n}"].data for n in ("h1", "h2")]
    assert min(nets) < 0 < max(nets)


def test_the_chinese_solution_says_the_slope_in_chinese():
    sol = solve(spec_from_text(SPEC.format(hidden="elu", output="leaky_relu")))
    en = render_text(sol)
    with using_language("zh"):
        zh = render_text(sol)
    assert "1 if net_h1 > 0, else out_h1 + 1 (= e^net_h1)" in en
    assert "1（若 net_h1 > 0），否则为 out_h1 + 1（= e^net_h1）" in zh
    assert "1 if net_o1 > 0, else 0.01" in en and "1（若 net_o1 > 0），否则为 0.01" in zh
    assert "out_h1 = max(0, net_h1) + min(0, e^net_h1 - 1)" in en
    assert "out_o1 = max(net_o1, 0.01 net_o1)" in zh


@pytest.mark.parametrize("name", NEW)
def test_the_network_picture_names_the_activation(name):
    model = MLP(2, [2, 1], name, seed=0)
    symbol = {"leaky_relu": "leaky relu", "elu": "elu", "softplus": "softplus"}[name]
    full = draw_network(model).source
    assert full.count(f">{symbol}</font>") == 3  # in h1, h2 and o1
    assert f"2 × {symbol}" in draw_network(model, compact=True).source
