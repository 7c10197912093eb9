"""Module, Neuron, Layer, MLP: parameters, names, sharing, freezing, init, save/load."""
import copy
import math
import os
import pickle
import zipfile

import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, Layer, Module, Neuron, TensorMLP, freeze, is_frozen, unfreeze
from nn.layers import bias_plan, softmax
from slides import slides_232_model


def slide_net() -> MLP:
    return slides_232_model()


def test_named_parameters_dotted_and_shared_bias_listed_once():
    model = slide_net()
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.b", "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]
    assert len(names) == 14  # 12 weights + 2 shared biases, each once
    labels = [p.label for p in model.parameters()]
    assert labels.count("b1") == 1 and labels.count("b2") == 1
    # the bias really is one Value used by every neuron of the layer
    b1 = model.layers[0].b
    assert all(n.b is b1 for n in model.layers[0].neurons)


def test_forward_labels_follow_the_slides():
    model = slide_net()
    layers = model.forward_layers([5, 10])
    assert [v.label for v in layers[0]] == ["out_h1", "out_h2", "out_h3"]
    assert [v.label for v in layers[1]] == ["out_o1", "out_o2"]
    net_h1 = layers[0][0].children[0]
    assert net_h1.label == "net_h1" and net_h1.data == pytest.approx(2.35, abs=1e-15)
    assert layers[1][0].data == pytest.approx(0.891090, abs=5e-7)


def test_zero_grad_clears_every_parameter():
    model = slide_net()
    out = model([5, 10])
    (out[0] + out[1]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_repr_is_readable():
    text = repr(slide_net())
    assert text.startswith("MLP(2-3-2")
    assert "Neuron(h1: sigmoid, w1=0.1, w2=0.15, b1=0.35)" in text
    assert "Layer(3 -> 2, sigmoid, shared bias" in text


def test_freeze_by_label_and_module_and_weak_registry():
    model = slide_net()
    model.freeze("b1", "layers.1.b")
    assert is_frozen(model.layers[0].b) and is_frozen(model.layers[1].b)
    assert len(model.trainable_parameters()) == 12
    model.unfreeze("b1")
    assert not is_frozen(model.layers[0].b)
    with pytest.raises(KeyError, match="no parameter named 'w99'"):
        model.freeze("w99")
    # the registry holds no reference: a new Value reusing an id is not frozen
    v = Value(1.0)
    freeze(v)
    unfreeze(v)
    assert not is_frozen(v)


def _sgd_step(model, x, lr=0.5):
    model.zero_grad()
    out = model(x)
    (out.sum() if model.batched else out[0]).backward()
    SGD(model, lr=lr).step()


def test_frozen_flags_survive_deepcopy_and_pickle():
    # the 2-3-1 MLP with two frozen parameters: 11 of 13 trainable, in every copy
    model = MLP(2, [3, 1], "tanh", seed=0)
    model.freeze("layers.0.neurons.1.w.0", "layers.1.neurons.0.b")
    frozen = ["layers.0.neurons.1.w.0", "layers.1.neurons.0.b"]
    assert len(model.parameters()) == 13 and len(model.trainable_parameters()) == 11
    for copied in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert len(copied.trainable_parameters()) == 11
        assert [n for n, p in copied.named_parameters() if is_frozen(p)] == frozen
        assert not set(map(id, copied.parameters())) & set(map(id, model.parameters()))
        # the copy trains as the original would: frozen entries stay, the rest move by -lr*grad
        before = {n: p.data for n, p in copied.named_parameters()}
        _sgd_step(copied, [0.5, -1.0])
        for n, p in copied.named_parameters():
            assert p.grad != 0.0  # a frozen parameter's grad is computed too
            expected = before[n] if n in frozen else before[n] - 0.5 * p.grad
            assert p.data == expected
        copied.unfreeze()  # the copy's flags are its own
        assert len(copied.trainable_parameters()) == 13
        assert len(model.trainable_parameters()) == 11
    tensor_model = TensorMLP(2, [3, 1], seed=0)
    tensor_model.freeze("b1")
    copied = copy.deepcopy(tensor_model)
    assert [p.label for p in copied.parameters() if p.frozen] == ["b1"]
    b1 = copied.layers[0].b.data.copy()
    _sgd_step(copied, np.array([[0.5, -1.0], [1.0, 2.0]]))
    np.testing.assert_array_equal(copied.layers[0].b.data, b1)
    assert copied.layers[0].b.grad.any()


def test_a_frozen_parameter_is_a_variable_not_a_constant():
    """Freezing changes what the optimizer does, nothing in backward: every grad,
    the frozen parameters' own and those of what lies below them, is what the
    unfrozen model gets; and a frozen parameter is still listed and saved."""
    x = [0.5, -1.0]
    free = MLP(2, [3, 1], "tanh", seed=3)
    frozen = copy.deepcopy(free).freeze("layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1",
                                        "layers.1.neurons.0.w.2")
    for model in (free, frozen):
        model(x)[0].backward()
    assert [p.grad for p in frozen.parameters()] == [p.grad for p in free.parameters()]
    assert all(p.grad != 0.0 for p in frozen.parameters())
    assert list(frozen.state_dict()) == list(free.state_dict())  # 13 names, frozen ones too
    with pytest.raises(TypeError, match="frozen must be True or False, got int: 1"):
        frozen.parameters()[0].frozen = 1
    with pytest.raises(TypeError, match=r"unfreeze\(\): expected a Value or Tensor parameter, got str"):
        unfreeze("w1")


def test_train_bias_false_freezes_layer_biases():
    layer = Layer(2, 2, bias=[0.1, 0.2], train_bias=False, seed=0)
    assert all(is_frozen(b) for b in layer.biases())
    assert not any(is_frozen(w) for row in layer.weights() for w in row)


def test_seeded_init_is_repeatable_and_bounded():
    a = MLP(3, [4, 2], seed=7).state_dict()
    b = MLP(3, [4, 2], seed=7).state_dict()
    c = MLP(3, [4, 2], seed=8).state_dict()
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a)
    bound = 1 / math.sqrt(3)
    assert all(abs(float(a[k])) <= bound for k in a if k.startswith("layers.0"))


def _matrix(layer):
    return np.array([[w.data for w in n.w] for n in layer.neurons])


@pytest.mark.parametrize("init, std", [
    ("normal", lambda nin, nout: 1 / math.sqrt(nin)),
    ("xavier", lambda nin, nout: math.sqrt(2 / (nin + nout))),
    ("he", lambda nin, nout: math.sqrt(2 / nin)),
])
def test_normal_inits_draw_the_documented_spread_and_zero_biases(init, std):
    """Layer by layer, row by row from one generator: the weights are exactly
    those numbers, scaled by weight_scale; no bias is drawn."""
    model = MLP(3, [5, 2], "tanh", init=init, weight_scale=1.5, seed=4)
    rng = np.random.default_rng(4)
    expected = [rng.normal(0, 1.5 * std(3, 5), (5, 3)), rng.normal(0, 1.5 * std(5, 2), (2, 5))]
    for layer, W in zip(model.layers, expected):
        np.testing.assert_array_equal(_matrix(layer), W)
        assert all(n.b.data == 0.0 for n in layer.neurons)
    assert MLP(3, [5, 2], init=init, seed=4).state_dict().keys() == model.state_dict().keys()


def test_uniform_weight_scale_scales_the_weights_not_the_biases():
    plain, wide = MLP(4, [3], seed=2), MLP(4, [3], weight_scale=2.0, seed=2)
    np.testing.assert_allclose(_matrix(wide.layers[0]), 2 * _matrix(plain.layers[0]), rtol=1e-15)
    assert [n.b.data for n in wide.layers[0].neurons] == [n.b.data for n in plain.layers[0].neurons]
    assert np.abs(_matrix(wide.layers[0])).max() <= 2 / math.sqrt(4)
    lone = Neuron(4, init="normal", weight_scale=0.5, seed=3)  # a neuron alone: a layer of one
    assert [w.data for w in lone.w] == list(np.random.default_rng(3).normal(0, 0.25, 4))
    assert Layer(2, 2, bias="shared", init="he", seed=0).b.data == 0.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(init="glorot"), "unknown initialisation 'glorot' .*uniform, normal, xavier, he"),
    (dict(weight_scale=-1.0), "weight_scale must be a number >= 0, got -1.0"),
    (dict(weight_scale="2"), "weight_scale must be a number"),
])
def test_init_errors_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(2, [2], **kwargs)


def test_the_package_exports_its_public_api():
    import nn
    import nn.linear

    assert all(hasattr(nn, name) for name in nn.__all__)
    assert nn.Linear is nn.linear.Linear and nn.TensorMLP is nn.linear.TensorMLP
    assert {"MLP", "Layer", "Neuron", "Linear", "TensorMLP", "Module", "fit", "evaluate",
            "History", "TrainState", "SGD", "Adam", "mse", "cross_entropy", "INITS",
            "RECORDS"} <= set(nn.__all__)
    assert nn.INITS == ("uniform", "normal", "xavier", "he")
    assert nn.RECORDS == ("running", "epoch_end")


def test_default_names():
    model = MLP(2, [3, 3, 1], seed=0)
    labels = [p.label for p in model.parameters()]
    assert labels[:3] == ["w1", "w2", "b_h1_1"]
    out = model.forward_layers([1.0, 2.0])
    assert out[0][0].label == "out_h1_1" and out[-1][0].label == "out_o1"
    assert MLP(2, [3, 1], seed=0).forward_layers([0, 0])[0][2].label == "out_h3"


@pytest.mark.parametrize("act, fn", [
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ("tanh", math.tanh),
    ("relu", lambda z: max(z, 0.0)),
    ("step", lambda z: 1.0 if z >= 0 else 0.0),
    ("identity", lambda z: z),
])
def test_activations(act, fn):
    n = Neuron(2, act, weights=[0.5, -1.5], bias=0.25, name="h")
    for x in ([1.0, 2.0], [2.0, 0.1]):
        z = 0.5 * x[0] - 1.5 * x[1] + 0.25
        xs = [Value(v) for v in x]
        assert n(xs).data == pytest.approx(fn(z), abs=1e-15)


def test_softmax_layer_sums_to_one_and_grad_is_s_minus_onehot():
    # seed 003: d(cross-entropy)/d(net) = S - onehot
    layer = Layer(2, 3, "softmax", weights=[[1, 2], [0.5, -1], [3, 0]], bias=False,
                  neuron_names=["o1", "o2", "o3"])
    x = [Value(0.3), Value(-0.7)]
    outs = layer(x)
    assert sum(o.data for o in outs) == pytest.approx(1.0, abs=1e-15)
    loss = -outs[1].log()
    loss.backward()
    s = np.array([o.data for o in outs])
    expected = s - np.array([0, 1, 0])
    # gradient of each weight w_kj = (s_k - t_k) * x_j
    for k in range(3):
        for j in range(2):
            assert layer.neurons[k].w[j].grad == pytest.approx(expected[k] * x[j].data, abs=1e-12)


def test_softmax_is_stable_for_large_nets():
    outs = softmax([Value(1000.0), Value(1001.0)])
    assert outs[1].data == pytest.approx(1 / (1 + math.exp(-1)), abs=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(nin=2, nout=2, weights=[[1, 2]]), "weights have 1 rows for 2 neurons"),
    (dict(nin=2, nout=1, weights=[[1, 2, 3]]), "3 weights for 2 inputs"),
    (dict(nin=2, nout=1, activation="sigmod"), "unknown activation 'sigmod'"),
    (dict(nin=2, nout=2, bias=[1.0]), "1 biases for 2 neurons"),
    (dict(nin=2, nout=1, weights=[["a", 1]]), "must be a number"),
])
def test_layer_errors_name_the_problem(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Layer(**kwargs)


@pytest.mark.parametrize("make, error, message", [
    (lambda: MLP(0, [2]), ValueError, r"MLP: nin \(the number of inputs\) must be a positive int, got 0"),
    (lambda: MLP(2.5, [2]), TypeError, r"MLP: nin .* must be a positive int, got float 2.5"),
    (lambda: MLP(2, [0]), ValueError, r"MLP: layer size nouts\[0\] must be a positive int, got 0"),
    (lambda: MLP(2, [3, -1]), ValueError, r"nouts\[1\] must be a positive int, got -1"),
    (lambda: MLP(2, 3), TypeError, r"MLP: nouts must be a list of layer sizes \(e.g. \[3, 2\]\), got int 3"),
    (lambda: MLP(2, [3], seed=-1), ValueError, r"MLP: seed must be None or an int >= 0, got -1"),
    (lambda: MLP(2, [3], seed=1.5), ValueError, r"MLP: seed must be None or an int >= 0, got 1.5"),
    (lambda: MLP(2, [3], input_names=["a"]), ValueError, r"MLP: 1 input names for 2 inputs"),
    (lambda: Neuron(0), ValueError, r"neuron: nin \(the number of inputs\) must be a positive int"),
    (lambda: Neuron(2, seed=-1), ValueError, r"neuron: seed must be None or an int >= 0, got -1"),
    (lambda: Neuron(2, rng=3), TypeError, r"neuron: rng must be a numpy Generator"),
    (lambda: Neuron(2, weights=0.5), TypeError, r"neuron: weights must be a list, got float"),
    (lambda: Neuron(2, weights=[1, 2], weight_names=["a"]), ValueError,
     r"neuron: 1 weight names for 2 inputs"),
    (lambda: Neuron(2, weights=[1, 2], weight_names="ab"), TypeError,
     r"weight names must be a list of 2 strings"),
    (lambda: Neuron(2, weights=[1, math.nan], name="h1"), ValueError,
     r"weight 1 of neuron h1 must be a finite number, got nan"),
    (lambda: Neuron(2, bias=math.inf), ValueError, r"bias of neuron must be a finite number, got inf"),
    (lambda: Layer(2, 0), ValueError, r"layer: nout \(the number of neurons\) must be a positive int, got 0"),
    (lambda: Layer(0, 2), ValueError, r"layer: nin \(the number of inputs\) must be a positive int"),
    (lambda: Layer(2, 2, seed=-1), ValueError, r"layer: seed must be None or an int >= 0, got -1"),
    (lambda: Layer(2, 2, weight_names=[["a", "b"]]), ValueError,
     r"layer: weight_names have 1 rows for 2 neurons \(one row of 2 names per neuron\)"),
    (lambda: Layer(2, 2, weight_names=[["a", "b"], ["c"]]), ValueError,
     r"layer: 1 weight names in row 1 for 2 inputs"),
    (lambda: Layer(2, 2, bias=[1, 2], bias_names=["a"]), ValueError, r"layer: 1 bias names for 2 neurons"),
    (lambda: Layer(2, 2, neuron_names=["h1"]), ValueError, r"layer: 1 neuron names for 2 neurons"),
    (lambda: Layer(2, 2, bias=math.nan), ValueError, r"layer: bias must be a finite number, got nan"),
    (lambda: Layer(2, 2, bias=[0.1, math.inf]), ValueError, r"layer: bias 1 must be a finite number"),
])
def test_bad_sizes_names_numbers_and_seeds_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_neuron_and_layer_check_how_many_inputs_they_get():
    n = Neuron(2, "identity", weights=[0.5, -1.5], bias=0.25, name="h1")
    with pytest.raises(ValueError, match="neuron h1 expects 2 inputs, got 1"):
        n([1.0])
    with pytest.raises(ValueError, match="neuron h1 expects 2 inputs, got 3"):
        n([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="neuron h1 expects 2 inputs, got 1"):
        n.net([Value(1.0)])
    with pytest.raises(ValueError, match="neuron h1 input 0 must be a finite number, got nan"):
        n([math.nan, 1.0])
    layer = Layer(2, 2, "identity", weights=[[1, 2], [3, 4]], bias=False)
    with pytest.raises(ValueError, match="layer expects 2 inputs, got 1"):
        layer([1.0])
    with pytest.raises(ValueError, match="layer expects 2 inputs, got 3"):
        Layer(2, 3, "softmax", seed=0)([1.0, 2.0, 3.0])
    # the right number of plain numbers still works, and gives the real values
    assert n([2.0, 1.0]).data == 0.5 * 2 - 1.5 * 1 + 0.25
    assert [o.data for o in layer([1.0, -1.0])] == [1 - 2, 3 - 4]


def test_mlp_rejects_nan_inputs():
    with pytest.raises(ValueError, match="MLP input 1 must be a finite number, got nan"):
        MLP(2, [1], seed=0)([0.0, math.nan])


def test_mlp_input_errors():
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1, 2, 3])
    with pytest.raises(TypeError, match="input 1 must be a number"):
        model([1, "x"])
    with pytest.raises(ValueError, match="layer 1 takes 3 inputs but layer 0 has 2 neurons"):
        MLP.from_layers([Layer(2, 2, seed=0), Layer(3, 1, seed=0)])


def test_save_load_round_trip(tmp_path):
    model = MLP(2, [3, 1], seed=1)
    path = model.save(tmp_path / "model.npz")
    other = MLP(2, [3, 1], seed=2)
    other.load(path)
    for (n1, p1), (n2, p2) in zip(model.named_parameters(), other.named_parameters()):
        assert n1 == n2 and p1.data == p2.data and isinstance(p2.data, float)
    assert [f for f in os.listdir(tmp_path)] == ["model.npz"]  # no temp file left


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    model = MLP(2, [1], seed=1)
    path = model.save(tmp_path / "m.npz")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [1], seed=2).save(path)
    assert path.read_bytes() == before  # the old file is intact
    assert os.listdir(tmp_path) == ["m.npz"]


def test_load_errors_name_the_mismatch(tmp_path):
    path = MLP(2, [3, 1], seed=1).save(tmp_path / "m.npz")
    with pytest.raises(KeyError, match="do not match the model: unexpected layers.0.neurons.2.b"):
        MLP(2, [2, 1], seed=1).load(path)
    with pytest.raises(KeyError, match="do not match the model: missing layers.0.neurons.3.b"):
        MLP(2, [4, 1], seed=1).load(path)


def test_save_errors_name_the_target_not_the_temp_file(tmp_path):
    model = MLP(2, [1], seed=1)
    target = tmp_path / "no_such_dir" / "m.npz"
    with pytest.raises(FileNotFoundError,
                       match=f"save\\(\\): cannot write {target}: the folder "
                             f"{target.parent} does not exist"):
        model.save(target)
    with pytest.raises(IsADirectoryError,
                       match=f"save\\(\\): {tmp_path} is a folder; give a file name such as "
                             f"{tmp_path / 'model.npz'}"):
        model.save(tmp_path)
    (tmp_path / "plain").write_text("x")
    with pytest.raises(FileNotFoundError, match="the folder .*plain is not a folder"):
        model.save(tmp_path / "plain" / "m.npz")
    with pytest.raises(TypeError, match=r"save\(\): path must be a file name"):
        model.save(None)
    assert sorted(os.listdir(tmp_path)) == ["plain"]  # no temp file left anywhere


def test_load_errors_name_the_file_and_the_problem(tmp_path):
    model = MLP(2, [3, 1], seed=1)
    before = [p.data for p in model.parameters()]
    with pytest.raises(FileNotFoundError, match=f"load\\(\\): no file {tmp_path / 'x.npz'}"):
        model.load(tmp_path / "x.npz")
    with pytest.raises(IsADirectoryError, match=r"load\(\): .* is a folder, not a saved .npz"):
        model.load(tmp_path)
    (tmp_path / "junk.npz").write_text("hello")
    with pytest.raises(ValueError, match=r"junk.npz is not an .npz file of parameters"):
        model.load(tmp_path / "junk.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match=r"one.npy holds one array, not an .npz file"):
        model.load(tmp_path / "one.npy")
    # a file full of nan (or one inf) is refused, and nothing is half-loaded
    state = model.state_dict()
    np.savez(tmp_path / "nan.npz", **{k: np.array(np.nan) for k in state})
    with pytest.raises(ValueError, match=r"layers.0.neurons.0.w.0 holds nan in the saved state; "
                                         r"every parameter must be a finite number"):
        model.load(tmp_path / "nan.npz")
    last = list(state)[-1]
    np.savez(tmp_path / "inf.npz", **{**state, last: np.array(np.inf)})
    with pytest.raises(ValueError, match=f"{last} holds inf"):
        model.load(tmp_path / "inf.npz")
    assert [p.data for p in model.parameters()] == before
    with pytest.raises(TypeError, match=r"state must be a dict \{name: array\}"):
        model.load_state_dict([1.0, 2.0])


def test_custom_module_discovers_parameters():
    class Affine(Module):
        def __init__(self):
            self.a = Value(2.0, "a")
            self.inner = Neuron(1, "identity", weights=[3.0], bias=self.a, name="n")
            self._cache = Value(9.0)  # private: not a parameter

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == ["a", "inner.w.0"]


def test_a_constant_held_by_a_module_is_not_a_parameter():
    from autograd import Value
    from nn.module import Module

    class Scaled(Module):
        def __init__(self):
            self.w = Value(0.5, "w")
            self.scale = Value(1.0) * 0 + 2.0  # computed: not a leaf
            self.offset = Value._constant(3.0)  # a lifted number

    assert [name for name, _ in Scaled().named_parameters()] == ["w"]


# --- damaged, odd and foreign save files (issue 10, cases 12-15) -------------------------

def _params(model):
    return [(n, float(p.data)) for n, p in model.named_parameters()]


def test_a_damaged_save_file_is_one_clear_error_naming_it(tmp_path):
    saved = MLP(2, [1], seed=1)
    path = saved.save(tmp_path / "m.npz")
    raw = path.read_bytes()
    model = MLP(2, [1], seed=2)
    before = _params(model)
    bad = tmp_path / "bad.npz"
    damaged = f"load\\(\\): {bad} is damaged or was not written by Module.save: its entry "

    # one flipped byte inside an array's data: the zip's CRC check fails
    at = raw.index(b"\x93NUMPY") + 100
    bad.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:])
    with pytest.raises(ValueError, match=damaged + "'layers.0.neurons.0.w.0' cannot be read"):
        model.load(bad)
    # an overwritten zip header: not an .npz file at all
    bad.write_bytes(b"\0" * 30 + raw[30:])
    with pytest.raises(ValueError, match=f"load\\(\\): {bad} is not an .npz file of parameters"):
        model.load(bad)
    # an overwritten .npy header behind a valid CRC
    with zipfile.ZipFile(bad, "w") as z:
        for name in saved.state_dict():
            z.writestr(f"{name}.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': garbage}")
    with pytest.raises(ValueError, match=damaged + "'layers.0.neurons.0.w.0'"):
        model.load(bad)
    # object arrays (would need unpickling, which could run code)
    np.savez(bad, **{k: np.array([v], dtype=object) for k, v in saved.state_dict().items()})
    with pytest.raises(ValueError, match=damaged + ".*Python objects, which load\\(\\) never "
                                                   "unpickles"):
        model.load(bad)
    assert _params(model) == before
    assert sorted(os.listdir(tmp_path)) == ["bad.npz", "m.npz"]


def test_every_single_flipped_byte_loads_the_same_numbers_or_fails_naming_the_file(tmp_path):
    saved = MLP(1, [1], seed=1)
    raw = saved.save(tmp_path / "m.npz").read_bytes()
    model = MLP(1, [1], seed=2)
    before, state = _params(model), model.state_dict()
    bad = tmp_path / "bad.npz"
    refused = 0
    for at in range(len(raw)):
        bad.write_bytes(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:])
        try:
            model.load(bad)
        except (ValueError, KeyError) as error:  # KeyError: a damaged entry name
            assert f"load(): {bad}" in str(error)
            assert _params(model) == before
            refused += 1
        else:  # a byte the zip format does not check (a date, a spare field)
            assert _params(model) == _params(saved)
            model.load_state_dict(state)
    assert refused > len(raw) // 2  # most bytes matter: the CRC guards every array byte


@pytest.mark.parametrize("value, shown", [
    (np.array(0.5 + 0.25j), r"\(such as \(0.5\+0.25j\)\)"),
    (np.array(0.5 + 0j), r"\(such as \(0.5\+0j\)\)"),  # even a zero imaginary part
])
def test_complex_numbers_in_a_save_file_are_refused_naming_file_and_key(tmp_path, value, shown):
    model = MLP(2, [1], seed=1)
    before = _params(model)
    state = {**model.state_dict(), "layers.0.neurons.0.b": value}
    np.savez(tmp_path / "c.npz", **state)
    with pytest.raises(TypeError, match=f"load\\(\\): {tmp_path / 'c.npz'}: layers.0.neurons.0.b "
                                        f"holds complex numbers {shown}; every parameter must "
                                        "be a real number"):
        model.load(tmp_path / "c.npz")
    with pytest.raises(TypeError, match=r"load_state_dict\(\): layers.0.neurons.0.b holds complex"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match=r"load_state_dict\(\): layers.0.neurons.0.b holds complex"):
        model.load_state_dict({**state, "layers.0.neurons.0.b": 1 + 2j})
    with pytest.raises(TypeError, match=r"layers.0.neurons.0.b must be numbers, got the text '0.5'"):
        model.load_state_dict({**state, "layers.0.neurons.0.b": "0.5"})
    assert _params(model) == before


@pytest.mark.parametrize("name", [
    "m" * 251 + ".npz",          # 255 bytes: the longest name most file systems allow
    "权重" * 41 + "w.npz",        # 251 bytes of UTF-8 (3 per Chinese character)
])
def test_save_to_a_name_near_the_length_limit(tmp_path, name, monkeypatch):
    assert len(os.fsencode(name)) in (255, 251)
    model = MLP(2, [1], seed=1)
    temp_names = []
    replace = os.replace

    def spy(src, dst):
        temp_names.append(os.path.basename(src))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    path = model.save(tmp_path / name)
    assert os.listdir(tmp_path) == [name]  # no temp file left
    (temp,) = temp_names
    assert temp.startswith(".") and temp.endswith(".tmp") and len(os.fsencode(temp)) <= 60
    temp.encode("utf-8")  # cut at a character boundary: still valid text
    assert _params(MLP(2, [1], seed=2).load(path)) == _params(model)


def test_saved_files_follow_the_umask_and_an_overwritten_file_keeps_its_mode(tmp_path):
    model = MLP(2, [1], seed=1)
    old = os.umask(0o022)
    try:
        assert os.stat(model.save(tmp_path / "a.npz")).st_mode & 0o777 == 0o644
        os.umask(0o007)
        assert os.stat(model.save(tmp_path / "b.npz")).st_mode & 0o777 == 0o660
        os.umask(0o077)
        assert os.stat(model.save(tmp_path / "c.npz")).st_mode & 0o777 == 0o600
        # overwriting keeps the file's own mode, whatever the umask
        assert os.stat(model.save(tmp_path / "a.npz")).st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "b.npz", 0o640)
        assert os.stat(model.save(tmp_path / "b.npz")).st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz", "c.npz"]


def test_layer_bias_forms_draw_in_the_documented_order():
    """bias_plan's table: True draws each neuron's bias right after its weights,
    "shared" draws the layer's one bias before any weight."""
    bound = 1 / math.sqrt(2)  # uniform init, 2 inputs
    draws = np.random.default_rng(5).uniform(-bound, bound, 9)
    own = Layer(2, 3, bias=True, seed=5)
    assert [[*(w.data for w in n.w), n.b.data] for n in own.neurons] == draws.reshape(3, 3).tolist()
    shared = Layer(2, 3, bias="shared", seed=5)
    assert shared.b.data == draws[0]
    assert [[w.data for w in n.w] for n in shared.neurons] == draws[1:7].reshape(3, 2).tolist()
    assert all(n.b is shared.b for n in shared.neurons)


@pytest.mark.parametrize("bias, shared, own", [
    (True, None, [True, True, True]),
    (False, None, [None, None, None]),
    (None, None, [None, None, None]),
    (0.35, 0.35, None),
    ([0.1, 0.2, 0.3], None, [0.1, 0.2, 0.3]),
    ((1, 2, 3), None, [1.0, 2.0, 3.0]),
    (np.array([0.5, -0.5, 2.0]), None, [0.5, -0.5, 2.0]),
    (np.float64(-1.5), -1.5, None),
])
def test_bias_plan_reads_each_form(bias, shared, own):
    plan_shared, plan_own = bias_plan(bias, 2, 3, "uniform", np.random.default_rng(0), "b1")
    if shared is None:
        assert plan_shared is None and plan_own == own
    else:
        assert plan_shared.data == shared and plan_shared.label == "b1"
        assert all(b is plan_shared for b in plan_own) and len(plan_own) == 3


@pytest.mark.parametrize("cls", [MLP, TensorMLP])
def test_both_mlps_check_input_names_alike(cls):
    name = cls.__name__
    assert cls(2, [1], seed=0, input_names=np.array(["temp", "wind"])).input_names == ["temp", "wind"]
    with pytest.raises(TypeError, match=rf"^{name}: input_names must be a list of 2 strings, got 5$"):
        cls(2, [1], input_names=5)
    with pytest.raises(TypeError, match=rf"^{name}: input_names must be a list of 2 strings"):
        cls(2, [1], input_names=["a", 2])
    with pytest.raises(ValueError, match=rf"^{name}: 3 input names for 2 inputs$"):
        cls(2, [1], input_names=["a", "b", "c"])
