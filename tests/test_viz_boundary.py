"""viz.plot_decision_boundary: a model of two inputs over the plane, asserted
on the grid it computed (closed forms, the trained XOR network's four
corners) and rendered to PNG."""
import subprocess
import sys

import numpy as np
import pytest

import viz
from chainrule.examples import XOR_INPUTS, XOR_TARGETS, train_xor, xor_relu
from nn.layers import Layer

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_a_trained_xor_network_separates_the_four_corners(tmp_path):
    model, history = train_xor(seed=0, epochs=300)
    assert history.loss[-1] < 0.01
    fig, ax = plt.subplots()
    result = viz.plot_decision_boundary(model, XOR_INPUTS, XOR_TARGETS, ax=ax, resolution=41,
                                        annotate=True)
    assert result.ax is ax
    # the samples' range widened by 0.5: [-0.5, 1.5] in steps of 0.05, so the
    # corners are grid points 10 and 30 along each axis
    assert result.x1 == pytest.approx(np.linspace(-0.5, 1.5, 41))
    assert result.outputs.shape == result.predictions.shape == (41, 41)
    for (a, b), target in zip(XOR_INPUTS, XOR_TARGETS):
        i, j = 10 + 20 * b, 10 + 20 * a  # row = x2, column = x1
        assert result.predictions[i, j] == target
        assert result.outputs[i, j] == pytest.approx(model([a, b])[0].data, rel=1e-12)
    # not linearly separable: on the diagonal x1 = x2 both corners are class 0, on
    # the other diagonal both are class 1; about half the plane is each class
    diagonal = result.predictions[np.arange(41), np.arange(41)]
    anti = result.predictions[np.arange(41), np.arange(40, -1, -1)]
    assert diagonal[10] == diagonal[30] == 0 and anti[10] == anti[30] == 1
    assert 0.3 < result.predictions.mean() < 0.7
    assert len(ax.collections) >= 3  # the shading, the boundary line, the samples
    assert [t.get_text() for t in ax.texts] == ["0", "1", "1", "0"]
    path = tmp_path / "xor.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_the_grid_holds_the_models_outputs_exactly():
    # seed 003's network: y = relu(x1 + x2) - 2 relu(x1 + x2 - 1)
    result = viz.plot_decision_boundary(xor_relu(), XOR_INPUTS, XOR_TARGETS, resolution=21,
                                        bounds=(-1, 2, -1, 2), levels=np.linspace(-1.5, 1.5, 13),
                                        colorbar=True)
    g1, g2 = np.meshgrid(result.x1, result.x2)
    s = g1 + g2
    closed = np.maximum(s, 0) - 2 * np.maximum(s - 1, 0)
    assert np.allclose(result.outputs, closed, rtol=0, atol=1e-12)
    assert np.array_equal(result.predictions, (closed >= 0.5).astype(int))
    assert len(result.ax.figure.axes) == 2  # the plot and its colour bar


def test_several_outputs_give_a_region_per_class():
    # outputs (x1, x2) themselves: class 1 wherever x2 > x1
    identity = Layer(2, 2, "identity", weights=[[1.0, 0.0], [0.0, 1.0]], bias=False)
    X = [[0.0, 1.0], [1.0, 0.0], [0.2, 0.9]]
    result = viz.plot_decision_boundary(identity, X, [[0, 1], [1, 0], [0, 1]], resolution=11,
                                        bounds=(0, 1, 0, 1))
    assert result.outputs.shape == (11, 11, 2)
    g1, g2 = np.meshgrid(result.x1, result.x2)
    assert np.array_equal(result.predictions, (g2 > g1).astype(int))


def test_a_batched_tensor_network_is_run_on_the_whole_grid_at_once():
    from nn.linear import TensorMLP
    model = TensorMLP(2, [3, 1], "tanh", output_activation="sigmoid", seed=2)
    x1, x2 = np.linspace(-1, 1, 7), np.linspace(0, 2, 5)
    grid = viz.model_on_grid(model, x1, x2)
    assert grid.shape == (5, 7)
    one = model(np.array([[x1[3], x2[4]]])).data.item()
    assert grid[4, 3] == pytest.approx(one, rel=1e-12)


def test_a_function_of_one_sample_is_a_model_too_and_other_things_are_named():
    x1, x2 = np.linspace(-1, 1, 5), np.linspace(0, 1, 3)
    grid = viz.model_on_grid(lambda p: [p[0] * p[1], p[0] - p[1]], x1, x2)
    g1, g2 = np.meshgrid(x1, x2)
    assert np.array_equal(grid, np.stack([g1 * g2, g1 - g2], axis=-1))
    with pytest.raises(TypeError, match="model_on_grid.*a function of one sample.*got int"):
        viz.model_on_grid(3, x1, x2)


def test_bad_samples_are_named():
    with pytest.raises(ValueError, match=r"\(shape \(n, 2\)\), got shape \(4, 3\)"):
        viz.plot_decision_boundary(xor_relu(), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="one label per sample"):
        viz.plot_decision_boundary(xor_relu(), XOR_INPUTS, [0, 1])


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
