"""Batched layers (nn/linear.py) with the shared losses, optimizers and fit loop."""
import numpy as np
import pytest

from autograd import Tensor, grad, ops
from nn.layers import MLP
from nn.linear import Linear, TensorMLP
from nn.losses import cross_entropy, half_sse, mse
from nn.optim import SGD, Adam
from nn.train import fit

RNG = np.random.default_rng(7)


def test_linear_computes_x_W_plus_b_with_W_of_shape_in_out():
    W, b = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    layer = Linear(3, 2, "tanh", weights=W, bias=b, index=1)
    X = RNG.normal(size=(5, 3))
    out = layer(X)
    np.testing.assert_allclose(out.data, np.tanh(X @ W + b))
    assert out.label == "Z1" and out.children[0].label == "h1"
    assert (layer.W.label, layer.b.label) == ("W1", "b1")
    assert layer.W.shape == (3, 2) and layer.batched
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]
    one = layer(X[0])  # a single sample (a 1-D row) works too
    np.testing.assert_allclose(one.data, np.tanh(X[0] @ W + b))


def test_linear_bias_options():
    assert Linear(2, 3, bias="shared", seed=0).b.shape == ()
    assert Linear(2, 3, bias=0.35).b.item() == 0.35
    assert not hasattr(Linear(2, 3, bias=False), "b")
    assert "no bias" in repr(Linear(2, 3, bias=False))
    assert "shared bias" in repr(Linear(2, 3, bias=0.35))


@pytest.mark.parametrize("make, pattern", [
    (lambda: Linear(3, 2, weights=np.ones((2, 3))), r"weights of shape \(2, 3\).*\(3, 2\)"),
    (lambda: Linear(3, 2, bias=[1.0, 2.0, 3.0]), r"bias of shape \(3,\)"),
    (lambda: Linear(0, 2), "nin must be a positive int"),
    (lambda: Linear(3, 2, "swish"), "unknown activation 'swish'"),
    (lambda: Linear(3, 2, seed=0)(np.ones((4, 5))), r"input of shape \(4, 5\).*\(N, 3\)"),
    (lambda: TensorMLP.from_layers([Linear(3, 2), Linear(4, 1)]), "takes 4 inputs.*2 neurons"),
])
def test_bad_layer_input_is_named(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: Linear(2, 2, weights=[[1.0, np.nan], [1.0, 2.0]]), ValueError,
     r"weights must be finite numbers; weights\[0, 1\] is nan"),
    (lambda: Linear(2, 2, bias=np.inf), ValueError, r"bias must be finite numbers; bias is inf"),
    (lambda: Linear(2, 2, weights=[["a", 1], [1, 2]]), TypeError, r"weights must be numbers"),
    (lambda: Linear(2, 2, seed=-1), ValueError, r"Linear: seed must be None or an int >= 0"),
    (lambda: Linear(2.0, 2), TypeError, r"Linear: nin must be a positive int, got float 2.0"),
    (lambda: TensorMLP(2, [3], seed=-1), ValueError, r"TensorMLP: seed must be None or an int"),
    (lambda: TensorMLP(2, 3), TypeError, r"TensorMLP: nouts must be a list of layer sizes"),
])
def test_bad_numbers_sizes_and_seeds_are_named(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_sequential_convention_on_a_tensor_mlp_matches_a_hand_computation():
    # Layer by layer from the output, each delta back-propagated through the
    # already-updated weights above it (numpy oracle, rows = samples).
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    model = TensorMLP(2, [3, 4, 2], seed=7)
    W = [layer.W.data.copy() for layer in model.layers]
    b = [layer.b.data.copy() for layer in model.layers]
    lr = 0.7
    history = fit(model, X, Y, loss="half_sse", optimizer=SGD(model.parameters(), lr=lr),
                  epochs=3, progress=False, convention="sequential")
    losses = []
    for _ in range(3):
        a = [X]
        for l in range(3):
            a.append(sig(a[-1] @ W[l] + b[l]))
        losses.append(0.5 * np.sum((a[3] - Y) ** 2))
        delta = (a[3] - Y) * a[3] * (1 - a[3])
        for l in (2, 1, 0):
            W[l] = W[l] - lr * a[l].T @ delta
            b[l] = b[l] - lr * delta.sum(0)
            if l:
                delta = (delta @ W[l].T) * a[l] * (1 - a[l])
    assert history.step_loss == pytest.approx(losses, abs=1e-14)
    for layer, w, bias in zip(model.layers, W, b):
        np.testing.assert_allclose(layer.W.data, w, rtol=0, atol=1e-14)
        np.testing.assert_allclose(layer.b.data, bias, rtol=0, atol=1e-14)
    # the conventions really differ here (and agree on the first loss)
    plain = TensorMLP(2, [3, 4, 2], seed=7)
    h2 = fit(plain, X, Y, loss="half_sse", optimizer=SGD(plain.parameters(), lr=lr), epochs=3,
             progress=False)
    assert h2.step_loss[0] == history.step_loss[0] and h2.step_loss[-1] != history.step_loss[-1]


def test_tensor_mlp_matches_the_scalar_mlp_on_the_same_weights():
    """The same network in both engines: outputs and every gradient agree (the
    scalar MLP stores rows = receiving neuron, the batched one W = (in, out))."""
    scalar = MLP(3, [4, 2], "sigmoid", output_activation="softmax", seed=3)
    batched = TensorMLP(3, [4, 2], "sigmoid", output_activation="softmax", seed=0)
    for layer, lin in zip(scalar.layers, batched.layers):
        lin.W.data = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        lin.b.data = np.array([n.b.data for n in layer.neurons])
    X = RNG.normal(size=(4, 3))
    y = np.array([0, 1, 1, 0])
    loss_s = cross_entropy([scalar(x) for x in X.tolist()], y.tolist())
    loss_s.backward()
    out = batched(X)
    np.testing.assert_allclose(out.data, [[o.data for o in scalar(x)] for x in X.tolist()],
                               rtol=1e-13)
    loss_b = cross_entropy(out, y)
    loss_b.backward()
    assert loss_b.item() == pytest.approx(loss_s.data, rel=1e-13)
    for layer, lin in zip(scalar.layers, batched.layers):
        np.testing.assert_allclose(lin.W.grad, np.array([[w.grad for w in n.w]
                                                         for n in layer.neurons]).T, rtol=1e-11)
        np.testing.assert_allclose(lin.b.grad, [n.b.grad for n in layer.neurons], rtol=1e-11)


def test_cross_entropy_on_a_softmax_output_uses_the_fused_op():
    model = TensorMLP(4, [5, 3], "relu", output_activation="softmax", seed=1)
    X, y = RNG.normal(size=(6, 4)), np.array([0, 1, 2, 2, 1, 0])
    probs = model(X)
    loss = cross_entropy(probs, y)
    assert loss.op is ops.CROSS_ENTROPY and loss.children[0] is probs.children[0]
    assert loss.label == "E_total"
    # its value is the formula on the softmax outputs, its gradient (S - S~)/N
    assert loss.item() == pytest.approx(-np.log(probs.data[np.arange(6), y]).mean(), rel=1e-13)
    logits = probs.children[0]
    (g,) = grad(loss, [logits])
    np.testing.assert_allclose(g, (probs.data - np.eye(3)[y]) / 6, atol=1e-15)
    # one-hot targets give the same loss
    assert cross_entropy(probs, np.eye(3)[y]).item() == pytest.approx(loss.item(), rel=1e-13)


def test_tensor_losses_against_torch(torch):
    out = Tensor(RNG.normal(size=(5, 3)))
    t = RNG.normal(size=(5, 3))
    to = torch.tensor(out.data)
    tt = torch.tensor(t)
    assert mse(out, t).item() == pytest.approx(3 * torch.nn.functional.mse_loss(to, tt).item())
    assert half_sse(out, t).item() == pytest.approx(0.5 * ((to - tt) ** 2).sum().item())
    logits = Tensor(RNG.normal(size=(5, 3)))
    y = np.array([0, 2, 1, 1, 0])
    ours = cross_entropy(logits.softmax(), y)
    ours.backward()
    tl = torch.tensor(logits.data, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(tl, torch.tensor(y))
    theirs.backward()
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-13)
    np.testing.assert_allclose(logits.grad, tl.grad.numpy(), rtol=1e-12)


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centers[y] + rng.normal(scale=0.5, size=(n, 2)), y


@pytest.mark.parametrize("batch_size", [None, 1, 16])
def test_fit_trains_a_tensor_mlp_in_every_mode(batch_size):
    X, y = _blobs()
    model = TensorMLP(2, [8, 3], "tanh", output_activation="softmax", seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer=SGD(model.parameters(), lr=0.2),
                  epochs=30, batch_size=batch_size, seed=0, progress=False)
    steps_per_epoch = {None: 1, 1: 60, 16: 4}[batch_size]
    assert len(history.step_loss) == 30 * steps_per_epoch
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert (model(X).data.argmax(axis=1) == y).mean() > 0.95


def test_one_full_batch_epoch_of_fit_is_one_gradient_descent_step():
    X, y = _blobs(12)
    model = TensorMLP(2, [4, 3], "sigmoid", output_activation="softmax", seed=2)
    params = model.parameters()
    before = [p.data.copy() for p in params]
    grads = grad(cross_entropy(model(X), y), params)
    fit(model, X, y, loss="cross_entropy", optimizer=SGD(params, lr=0.3), epochs=1,
        progress=False)
    for p, b, g in zip(params, before, grads):
        np.testing.assert_allclose(p.data, b - 0.3 * g, rtol=1e-14)


def test_adam_and_mse_regression_on_tensors():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 1))
    Y = np.sin(3 * X)
    model = TensorMLP(1, [16, 1], "tanh", output_activation="identity", seed=0)
    history = fit(model, X, Y, loss="mse", optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=300, progress=False)
    assert history.loss[-1] < 0.001 < 0.5 < history.loss[0]


def test_two_three_two_with_linear_layers_and_shared_biases():
    w = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65]
    hidden = Linear(2, 3, "sigmoid", weights=[[w[0], w[2], w[4]], [w[1], w[3], w[5]]],
                    bias=0.35, index=1)
    output = Linear(3, 2, "sigmoid", weights=[[w[6], w[7]], [w[8], w[9]], [w[10], w[11]]],
                    bias=0.65, index=2)
    model = TensorMLP.from_layers([hidden, output])
    E_total = half_sse(model(np.array([[5.0, 10.0]])), np.array([[0.01, 0.99]]))
    E_total.backward()
    assert E_total.item() == pytest.approx(0.391829, abs=5e-7)
    assert output.W.grad[0, 0] == pytest.approx(0.078064, abs=5e-7)  # dE/dw7
    assert hidden.b.shape == () and hidden.b.grad.shape == ()


def test_tensor_mlp_init_options():
    model = TensorMLP(6, [4, 3], init="xavier", weight_scale=2.0, seed=9)
    rng = np.random.default_rng(9)
    np.testing.assert_array_equal(model.layers[0].W.data,
                                  rng.normal(0, 2 * np.sqrt(2 / 10), (6, 4)))
    np.testing.assert_array_equal(model.layers[1].W.data, rng.normal(0, 2 * np.sqrt(2 / 7), (4, 3)))
    assert not model.layers[0].b.data.any() and model.layers[1].b.shape == (3,)
    he = TensorMLP(400, [300], "relu", init="he", seed=0).layers[0].W.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.01)
    plain = TensorMLP(3, [2], seed=1).layers[0]
    wide = TensorMLP(3, [2], weight_scale=3, seed=1).layers[0]
    np.testing.assert_allclose(wide.W.data, 3 * plain.W.data, rtol=1e-14)
    np.testing.assert_array_equal(wide.b.data, plain.b.data)
    with pytest.raises(ValueError, match="TensorMLP: unknown initialisation 'lecun'"):
        TensorMLP(3, [2], init="lecun")


def test_he_init_keeps_the_signal_through_deep_relu_layers():
    """He: Var(w) = 2/n_in keeps E[out^2] of a ReLU layer (half of its inputs
    switched off) at its input's; the default uniform init, Var(w) =
    1/(3 n_in), divides it by 6 at every layer: 6^-10 after ten."""
    from autograd import no_grad

    X = np.random.default_rng(0).normal(size=(64, 256))

    def gain_after_10_layers(init):
        model = TensorMLP(256, [256] * 10, "relu", init=init, bias=False, seed=1)
        with no_grad():
            return np.mean(model(X).data ** 2) / np.mean(X ** 2)

    assert 0.5 < gain_after_10_layers("he") < 2
    assert gain_after_10_layers("uniform") == pytest.approx(6.0 ** -10, rel=0.3)


def test_tensor_mlp_input_names():
    assert TensorMLP(3, [2], seed=0).input_names == ["x1", "x2", "x3"]
    model = TensorMLP(3, [2], seed=0, input_names=["temp", "hum", "wind"])
    assert model.input_names == ["temp", "hum", "wind"]
    model.input_names.append("x")  # a copy: the model's names stay as they are
    assert model.input_names == ["temp", "hum", "wind"]
    joined = TensorMLP.from_layers([Linear(2, 1, seed=0)], input_names=["a", "b"])
    assert joined.input_names == ["a", "b"]
    assert TensorMLP.from_layers([Linear(2, 1, seed=0)]).input_names == ["x1", "x2"]
    with pytest.raises(ValueError, match="TensorMLP: 2 input names for 3 inputs"):
        TensorMLP(3, [2], input_names=["a", "b"])
    with pytest.raises(TypeError, match="input_names must be a list of 3 strings"):
        TensorMLP(3, [2], input_names="abc")


def test_state_dict_and_save_roundtrip(tmp_path):
    model = TensorMLP(3, [4, 2], seed=5)
    path = model.save(tmp_path / "net.npz")
    other = TensorMLP(3, [4, 2], seed=6).load(path)
    X = RNG.normal(size=(2, 3))
    np.testing.assert_array_equal(model(X).data, other(X).data)
    assert list(model.state_dict()) == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    assert repr(model).startswith("TensorMLP(3-4-2")


def test_the_benchmark_variants_compute_the_same_steps():
    """bench/tensor_mlp.py times four implementations of one SGD step; they must
    agree with the hand-written numpy backward (seed 003's matrix rules)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "tensor_mlp.py"
    spec = importlib.util.spec_from_file_location("bench_tensor_mlp", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(16, 12)), rng.integers(0, 4, 16)
    for hidden in ("relu", "sigmoid"):
        weights = bench.init_weights((12, 8, 6, 4), seed=1)
        nets = [bench.NumpyNet(weights, hidden, 0.3), bench.EngineNet(weights, hidden, 0.3),
                bench.EngineNet(weights, hidden, 0.3, generic=True),
                bench.NNNet(weights, hidden, 0.3)]
        if bench.torch is not None:
            nets.append(bench.TorchNet(weights, hidden, 0.3))
        losses = [[net.step(X[i::2], y[i::2]) for i in range(4)] for net in nets]
        for net, loss in zip(nets[1:], losses[1:]):
            np.testing.assert_allclose(loss, losses[0], rtol=1e-12)
            for a, b in zip(net.weights(), nets[0].weights()):
                np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)
