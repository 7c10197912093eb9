"""nn.views: the interface pictures read (describe() and activations(batch)),
implemented by MLP, Layer, Neuron, TensorMLP and Linear."""
import math

import numpy as np
import pytest

from autograd import Value, is_grad_enabled
from nn import MLP, Layer, Linear, Neuron, TensorMLP
from nn.losses import half_sse
from nn.views import Describable, LayerView, NetworkView
from slides import slides_232_model


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def slides_232() -> MLP:
    return slides_232_model()


def test_the_232_network_reads_as_the_slides_write_it():
    model = slides_232()
    half_sse([model([5.0, 10.0])], [[0.01, 0.99]]).backward()
    view = model.describe()
    assert view.inputs == ("l1", "l2")
    hidden, output = view.layers
    assert hidden.neurons == ("h1", "h2", "h3") and hidden.activation == "sigmoid"
    # rows = receiving neuron: W1 = [[w1, w2], [w3, w4], [w5, w6]]
    np.testing.assert_array_equal(hidden.weights, [[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]])
    assert hidden.weight_labels == (("w1", "w2"), ("w3", "w4"), ("w5", "w6"))
    assert output.weight_labels == (("w7", "w9", "w11"), ("w8", "w10", "w12"))
    assert output.weight(1, 2) == ("w12", 0.65, model.layers[1].neurons[1].w[2].grad)
    # the grads are the engine's, as backward() left them (the slides' dE/dw7 = 0.078064)
    assert output.weight(0, 0).grad == pytest.approx(0.078064, abs=5e-7)
    assert hidden.weight(0, 0).grad == pytest.approx(0.012268, abs=5e-7)
    np.testing.assert_array_equal(hidden.weight_grads,
                                  [[w.grad for w in n.w] for n in model.layers[0].neurons])
    # one bias per layer, shared: b1 = 0.35 with dE/db1 = sum over h of dE/dnet_h
    assert hidden.shared_bias == ("b1", 0.35, model.layers[0].b.grad)
    assert hidden.bias(0) is None and output.shared_bias.label == "b2"
    assert output.shared_bias.grad == pytest.approx(0.078097, abs=5e-7)


def test_activations_are_every_layers_outputs_without_a_graph():
    model = slides_232()
    acts = model.activations([[5.0, 10.0], [1.0, -1.0]])
    assert [a.shape for a in acts] == [(2, 3), (2, 2)]
    W1 = np.array([[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]])
    W2 = np.array([[0.4, 0.5, 0.6], [0.45, 0.55, 0.65]])
    X = np.array([[5.0, 10.0], [1.0, -1.0]])
    h = sig(X @ W1.T + 0.35)
    np.testing.assert_allclose(acts[0], h, rtol=1e-15)
    np.testing.assert_allclose(acts[1], sig(h @ W2.T + 0.65), rtol=1e-15)
    assert acts[1][0, 0] == pytest.approx(0.891090, abs=5e-7)  # the slides' out_o1
    assert is_grad_enabled()  # no_grad was left
    assert all(p.grad == 0.0 for p in model.parameters())
    # one sample as a flat list is a batch of one
    np.testing.assert_allclose(model.activations([5.0, 10.0])[0], h[:1], rtol=1e-15)


def test_a_tensor_mlp_turns_its_matrices_to_the_slides_rows():
    model = TensorMLP(3, [4, 2], "tanh", output_activation="softmax", seed=5,
                      input_names=["a", "b", "c"])
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    from nn.losses import cross_entropy
    cross_entropy(model(X), Y).backward()
    view = model.describe()
    assert view.inputs == ("a", "b", "c")
    first, last = view.layers
    assert first.neurons == ("h1", "h2", "h3", "h4") and last.neurons == ("o1", "o2")
    W1 = model.layers[0].W
    np.testing.assert_array_equal(first.weights, W1.data.T)
    np.testing.assert_array_equal(first.weight_grads, W1.grad.T)
    assert first.weight(3, 1) == (f"{W1.label}[1,3]", W1.data[1, 3], W1.grad[1, 3])
    assert first.bias(2) == ("b1[2]", model.layers[0].b.data[2], model.layers[0].b.grad[2])
    acts = model.activations(X)
    h = np.tanh(X @ W1.data + model.layers[0].b.data)
    z = h @ model.layers[1].W.data + model.layers[1].b.data
    soft = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(acts[0], h, rtol=1e-14)
    np.testing.assert_allclose(acts[1], soft, rtol=1e-14)


def test_lone_layers_and_neurons_and_shared_biases():
    neuron = Neuron(3, "sigmoid", weights=[0.4, 0.3, -0.6], bias=0.25, name="h")
    view = neuron.describe()
    assert view.inputs == ("x1", "x2", "x3") and view.layers[0].neurons == ("h",)
    assert view.layers[0].bias(0) == ("b", 0.25, 0.0)
    out = neuron.activations([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])[0]
    assert out[:, 0] == pytest.approx([1 / (1 + math.exp(0.25)), 1 / (1 + math.exp(-0.25))],
                                      abs=1e-15)
    assert Neuron(2, seed=0).describe().layers[0].neurons == ("n1",)
    layer = Layer(2, 2, "tanh", weights=[[1.0, 0.0], [0.5, 0.5]], bias="shared", seed=0)
    lv = layer.describe().layers[0]
    assert lv.neurons == ("n1", "n2") and lv.shared_bias.label == "b"
    np.testing.assert_allclose(layer.activations([[1.0, 2.0]])[0],
                               np.tanh([[1.0 + lv.shared_bias.value, 1.5 + lv.shared_bias.value]]))
    # a batched layer: a number is one shared bias, an array one per neuron
    lin = Linear(2, 3, "relu", weights=[[1.0, -1.0, 2.0], [0.5, 0.5, 0.5]], bias=0.1, index=1)
    lv = lin.describe().layers[0]
    assert lv.neurons == ("o1", "o2", "o3") and lv.shared_bias == ("b1", 0.1, 0.0)
    np.testing.assert_allclose(lin.activations([[2.0, 4.0]])[0], [[4.1, 0.1, 6.1]])
    assert Linear(2, 3, bias=[1.0, 2.0, 3.0]).describe().layers[0].bias(2).value == 3.0
    assert Layer(2, 2, bias=False, seed=0).describe().layers[0].biases is None


def test_a_grad_made_with_create_graph_reads_as_its_number():
    neuron = Neuron(1, "identity", weights=[3.0], bias=False)
    x = Value(2.0, "x")
    y = neuron([x]) * neuron([x])  # (3x)^2: dy/dw = 2 * w * x^2 = 24
    y.backward(create_graph=True)
    assert isinstance(neuron.w[0].grad, Value)
    assert neuron.describe().layers[0].weight(0, 0).grad == 24.0


def test_bad_batches_and_bad_views_are_named():
    with pytest.raises(ValueError, match=r"MLP.activations\(batch\): expected samples of 2 inputs"):
        slides_232().activations([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"TensorMLP.activations.*shape \(n, 3\)"):
        TensorMLP(3, [2], seed=0).activations(np.ones((0, 3)))
    with pytest.raises(TypeError, match=r"Neuron.activations\(batch\): the batch must be numbers"):
        Neuron(2, seed=0).activations([["a", "b"]])
    layer = Layer(2, 3, seed=0)
    layer.neurons[1].b = None
    with pytest.raises(ValueError, match="neurons n2 have no bias while the others have one"):
        layer.describe()
    with pytest.raises(ValueError, match=r"weight_grads \(2, 2\) must be \(neurons, inputs\) = \(2, 3\)"):
        LayerView(("a", "b"), "tanh", np.zeros((2, 3)), np.zeros((2, 2)), (("w",) * 2,) * 2)
    ok = LayerView(("a", "b"), "tanh", np.zeros((2, 2)), np.zeros((2, 2)), (("w", "v"),) * 2)
    with pytest.raises(ValueError, match="layer 0 takes 2 inputs but there are 3"):
        NetworkView(("x1", "x2", "x3"), (ok,))


def test_what_is_describable():
    for model in (slides_232(), TensorMLP(2, [2], seed=0), Layer(2, 2, seed=0), Neuron(2, seed=0),
                  Linear(2, 2, seed=0)):
        assert isinstance(model, Describable)
    assert not isinstance(object(), Describable)
    assert not isinstance(half_sse, Describable)
