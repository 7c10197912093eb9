"""Time to draw and render gradient graphs, against a plain graphviz-pure
render of the same DOT text in the same process.

  draw    viz.draw_graph: graph walk, grouping and DOT text
  render  viz.save(..., ".png"): our engine lookup + graphviz-pure
  plain   graphviz-pure run directly on the same DOT (the reference)

The ratio (draw + render) / plain says what viz adds on top of the layout
engine itself; near 1 means the picture costs what its layout costs.

Run: .venv/bin/python bench/viz_render.py
"""
from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import viz  # noqa: E402
from autograd import topological_order  # noqa: E402
from nn.layers import MLP, Layer  # noqa: E402
from nn.losses import half_sse  # noqa: E402


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def slides_232():
    hidden = Layer(2, 3, "sigmoid", weights=[[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]], bias=0.35,
                   neuron_names=["h1", "h2", "h3"],
                   weight_names=[["w1", "w2"], ["w3", "w4"], ["w5", "w6"]], bias_names="b1")
    output = Layer(3, 2, "sigmoid", weights=[[0.4, 0.5, 0.6], [0.45, 0.55, 0.65]], bias=0.65,
                   neuron_names=["o1", "o2"],
                   weight_names=[["w7", "w9", "w11"], ["w8", "w10", "w12"]], bias_names="b2")
    model = MLP.from_layers([hidden, output], input_names=["l1", "l2"])
    E = half_sse([model([5.0, 10.0])], [[0.01, 0.99]])
    E.backward()
    return E, model.layers[0].neurons[0].w[0]


def mlp_2_16_16_1():
    X = np.random.default_rng(0).uniform(-1, 1, (100, 2))
    model = MLP(2, [16, 16, 1], seed=0)
    E = half_sse([model(x) for x in X.tolist()], [[1.0]] * 100)
    E.backward()
    return E


def main() -> None:
    engine = viz.find_renderer()
    print(f"engine: {engine.kind} ({engine.executable})")
    E232, w1 = slides_232()
    t0 = time.perf_counter()
    big = mlp_2_16_16_1()
    build = time.perf_counter() - t0
    print(f"2-16-16-1 MLP on 100 samples: {len(topological_order(big)):,} nodes "
          f"(forward + backward {build:.3f} s)\n")
    cases = [
        ("2-3-2, full graph + edge labels", lambda: viz.draw_graph(E232, edge_labels=True)),
        ("2-3-2, highlight w1 (2 paths)", lambda: viz.draw_graph(E232, edge_labels=True,
                                                                  highlight=w1)),
        ("2-16-16-1, group='neuron'", lambda: viz.draw_graph(big, group="neuron")),
        ("2-16-16-1, group='layer'", lambda: viz.draw_graph(big, group="layer")),
    ]
    print(f"{'case':34} {'draw s':>8} {'render s':>9} {'plain s':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "g.png"
        for name, draw in cases:
            repeat = 3 if "2-16-16-1" in name else 5
            g = draw()
            source = g.source.encode("utf-8")
            t_draw = best_of(draw, repeat)
            t_render = best_of(lambda g=g: viz.save(g, out), repeat)
            t_plain = best_of(lambda source=source: subprocess.run(
                [str(engine.executable), "-Kdot", "-Tpng"], input=source,
                capture_output=True, check=True), repeat)
            ratio = (t_draw + t_render) / t_plain
            print(f"{name:34} {t_draw:8.4f} {t_render:9.4f} {t_plain:8.4f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
