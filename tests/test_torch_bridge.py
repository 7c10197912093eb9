"""nn.to_torch / nn.from_torch: the same network in PyTorch (forward values and
gradients equal torch's), the documented name map, round trips bit for bit, the
optimizer state carried over (5 steps here + 5 in torch = 10 steps here), the
errors, and the one-line install hint without torch."""
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn import (LOSSES, MLP, SGD, AdaGrad, Adam, Layer, Linear, RMSProp, TensorMLP, freeze, from_torch,  # noqa: E402
                get_loss, to_torch, torch_loss, torch_names, using_language)
from autograd import Value  # noqa: E402
from nn.torch_modules import SharedBiasLinear, Step  # noqa: E402

F64 = torch.float64


def bp232() -> MLP:
    from chainrule.solver import build_model
    from chainrule.spec import preset
    return build_model(preset("bp232"))


def torch_param(module, where: str) -> float:
    """The number at ``where`` ("2.weight[0, 1]", "0.bias") of the module's state_dict."""
    key, _, index = where.partition("[")
    t = module.state_dict()[key]
    return float(t[tuple(int(i) for i in index.rstrip("]").split(","))] if index else t)


def test_the_slides_names_map_to_the_state_dict_as_documented():
    model = bp232()
    names = torch_names(model)
    assert names == {
        "w1": "0.weight[0, 0]", "w2": "0.weight[0, 1]", "w3": "0.weight[1, 0]", "w4": "0.weight[1, 1]",
        "w5": "0.weight[2, 0]", "w6": "0.weight[2, 1]", "b1": "0.bias",
        # the slides number the output weights source-major: w7 and w8 leave h1
        "w7": "2.weight[0, 0]", "w9": "2.weight[0, 1]", "w11": "2.weight[0, 2]",
        "w8": "2.weight[1, 0]", "w10": "2.weight[1, 1]", "w12": "2.weight[1, 2]", "b2": "2.bias"}
    module = to_torch(model)
    assert list(module.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    slides = {"w1": 0.1, "w2": 0.15, "w3": 0.2, "w6": 0.35, "w7": 0.4, "w8": 0.45, "w9": 0.5,
              "w12": 0.65, "b1": 0.35, "b2": 0.65}
    assert {n: torch_param(module, names[n]) for n in slides} == slides
    # one bias shared by the layer stays one number; the frozen biases are not trained in torch
    assert isinstance(module[0], SharedBiasLinear) and module[0].bias.shape == ()
    assert not module[0].bias.requires_grad and module[0].weight.requires_grad
    assert module[0].weight.dtype == F64


def test_the_2_3_2_forward_and_gradients_are_torchs():
    model = bp232()
    module = to_torch(model)
    for p in module.parameters():  # the frozen biases' gradients too, as chainrule computes them
        p.requires_grad_(True)
    out = model([5, 10])
    get_loss("half_sse")(out, [0.01, 0.99]).backward()
    theirs = module(torch.tensor([5.0, 10.0], dtype=F64))
    torch_loss("half_sse")(theirs, torch.tensor([0.01, 0.99], dtype=F64)).backward()
    assert [o.data for o in out] == pytest.approx(theirs.tolist(), rel=1e-15)
    assert out[0].data == pytest.approx(0.891090, abs=1e-6)  # the slides' out_o1
    grads = {n: p.grad for n, p in module.named_parameters()}
    for p in model.parameters():
        key, _, index = torch_names(model)[p.label].partition("[")
        g = grads[key][tuple(int(i) for i in index.rstrip("]").split(","))] if index else grads[key]
        assert p.grad == pytest.approx(float(g), rel=1e-12, abs=1e-17), p.label
    assert model.layers[1].neurons[0].w[0].grad == pytest.approx(0.078064, abs=1e-6)  # the slides' dE_total/dw7


def scalar_cases():
    x = [[0.3, -1.2, 0.5], [-0.7, 0.2, 1.1], [1.5, 0.4, -0.3]]
    for act in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "identity", "step"):
        yield pytest.param(MLP(3, [4, 2], act, output_activation="sigmoid", seed=1), x, "mse", id=act)
    yield pytest.param(MLP(3, [4, 3], "tanh", output_activation="softmax", seed=2), x, "cross_entropy",
                       id="softmax")
    shared = MLP.from_layers([Layer(3, 2, "tanh", weights=[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], bias=0.2),
                              Layer(2, 1, "identity", weights=[[0.7, -0.8]], bias=False)])
    yield pytest.param(shared, x, "half_sse", id="shared-bias-and-none")


@pytest.mark.parametrize("model, x, loss", list(scalar_cases()))
def test_every_activation_gives_torchs_values_and_gradients(model, x, loss):
    names = torch_names(model)
    assert len(names) == len(model.parameters())
    k = len(model.layers[-1].neurons)
    targets = [[1.0 if j == n % k else 0.0 for j in range(k)] for n in range(len(x))]
    module = to_torch(model)
    outs = [model(row) for row in x]
    get_loss(loss)(outs, targets).backward()
    theirs = module(torch.tensor(x, dtype=F64))
    torch_loss(loss)(theirs, torch.tensor(targets, dtype=F64)).backward()
    assert np.array([[o.data for o in row] for row in outs]) == pytest.approx(theirs.detach().numpy(),
                                                                              rel=1e-13, abs=1e-15)
    back = from_torch(module)  # torch's gradients laid out by chainrule's names
    for (name, ours), theirs_p in zip(model.named_parameters(), _by_name(module, model)):
        assert ours.grad == pytest.approx(theirs_p, rel=1e-12, abs=1e-16), name
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


def _by_name(module, model):
    """torch's gradient of each of the model's parameters, in its order."""
    grads = dict(module.named_parameters())
    out = []
    for where in torch_names(model).values():
        key, _, index = where.partition("[")
        g = grads[key].grad
        out.append(float(g[tuple(int(i) for i in index.rstrip("]").split(","))] if index else g))
    return out


@pytest.mark.parametrize("bias", [True, "shared", False])
def test_a_tensor_mlp_gives_torchs_values_and_gradients(bias):
    from chainrule.iris import load_iris
    X, y = load_iris()
    X = X[::10]
    model = TensorMLP(4, [6, 3], "sigmoid", output_activation="softmax", bias=bias, seed=0)
    module = to_torch(model)
    out = model(X)
    get_loss("cross_entropy")(out, y[::10]).backward()
    theirs = module(torch.tensor(X, dtype=F64))
    ref = torch.nn.functional.cross_entropy(module[:-1](torch.tensor(X, dtype=F64)), torch.tensor(y[::10]))
    assert torch_loss("cross_entropy")(theirs, torch.tensor(y[::10])).item() == pytest.approx(ref.item(), rel=1e-13)
    ref.backward()  # CrossEntropyLoss on the logits module[:-1] gives: the same gradients
    assert out.data == pytest.approx(theirs.detach().numpy(), rel=1e-13, abs=1e-16)
    for l, layer in enumerate(model.layers):
        assert layer.W.grad == pytest.approx(module[2 * l].weight.grad.numpy().T, rel=1e-11, abs=1e-15)
        if bias:
            assert layer.b.grad == pytest.approx(module[2 * l].bias.grad.numpy(), rel=1e-11, abs=1e-15)


@pytest.mark.parametrize("hidden, output", [("tanh", "identity"), ("relu", "sigmoid"), ("step", "tanh"),
                                            ("identity", "relu"), ("leaky_relu", "elu"), ("softplus", "leaky_relu")])
def test_every_activation_of_a_tensor_mlp_gives_torchs_gradients(hidden, output):
    X = np.random.default_rng(1).normal(size=(5, 3))
    Y = np.random.default_rng(2).uniform(size=(5, 2))
    model = TensorMLP(3, [4, 2], hidden, output_activation=output, seed=3)
    module = to_torch(model)
    get_loss("mse_half")(model(X), Y).backward()
    torch_loss("mse_half")(module(torch.tensor(X)), torch.tensor(Y)).backward()
    for l, layer in enumerate(model.layers):
        assert layer.W.grad == pytest.approx(module[2 * l].weight.grad.numpy().T, rel=1e-12, abs=1e-16)
        assert layer.b.grad == pytest.approx(module[2 * l].bias.grad.numpy(), rel=1e-12, abs=1e-16)
    assert np.abs(model.layers[1].W.grad).max() > 1e-3  # real gradients, not zeros


def _same_parameters(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert sa[name].shape == sb[name].shape and np.array_equal(sa[name], sb[name]), name
    assert [p.label for p in a.parameters()] == [p.label for p in b.parameters()]
    assert [p.frozen for p in a.parameters()] == [p.frozen for p in b.parameters()]


def round_trip_models():
    yield pytest.param(bp232(), id="bp232")
    yield pytest.param(MLP(3, [5, 4, 2], ["relu", "tanh", "softmax"], seed=7, input_names=["a", "b", "c"]),
                       id="mlp-3-layers")
    m = MLP(2, [3, 1], "sigmoid", bias="shared", seed=3)
    m.layers[0].freeze()
    yield pytest.param(m, id="mlp-frozen-layer")
    yield pytest.param(TensorMLP(4, [6, 3], "sigmoid", output_activation="softmax", seed=0), id="iris")
    t = TensorMLP.from_layers([Linear(2, 3, "step", bias="shared", index=1, seed=1),
                               Linear(3, 2, "identity", bias=False, index=2, seed=2)])
    freeze(t.layers[0].W)
    yield pytest.param(t, id="tensor-shared-none-frozen")


@pytest.mark.parametrize("model", list(round_trip_models()))
def test_to_torch_then_from_torch_gives_the_same_parameters_bit_for_bit(model):
    module = to_torch(model)
    back = from_torch(module)
    assert type(back) is type(model)
    _same_parameters(model, back)
    assert back.input_names == model.input_names
    x = np.random.default_rng(0).normal(size=(4, model.nin))
    if isinstance(model, MLP):
        assert [[o.data for o in model(r)] for r in x] == [[o.data for o in back(r)] for r in x]
    else:
        assert np.array_equal(model(x).data, back(x).data)


@pytest.mark.parametrize("make", [
    lambda: MLP(3, [4, 4, 2], "relu", output_activation="sigmoid", dropout=0.3, seed=2),
    lambda: TensorMLP(3, [4, 4, 2], "tanh", output_activation="softmax", dropout=0.3, seed=2),
], ids=["MLP", "TensorMLP"])
def test_dropout_after_each_hidden_layer_goes_over_and_back(make):
    model = make()
    module = to_torch(model)
    kinds = [type(m).__name__ for m in module]
    assert kinds[2] == kinds[5] == "Dropout" and "Dropout" not in kinds[6:]  # none after the output layer
    assert module[2].p == 0.3 and module.training
    assert list(torch_names(model).values())[-1].startswith("6.")  # layer 2 is entry 3 * 2
    x = np.random.default_rng(0).normal(size=(5, 3))
    model.eval()
    module.eval()
    ours = np.array([[o.data for o in model(r)] for r in x]) if isinstance(model, MLP) else model(x).data
    assert ours == pytest.approx(module(torch.tensor(x)).detach().numpy(), rel=1e-13)  # no dropout: equal
    module.train()
    dropped = module(torch.tensor(np.ones((50, 3)))).detach().numpy()
    assert not np.allclose(dropped, dropped[0])  # in training mode torch drops entries (its own draws)
    back = from_torch(module)
    assert type(back) is type(model) and back.dropout.p == 0.3 and back.training
    _same_parameters(model, back)


def test_a_scalar_model_comes_back_batched_and_the_other_way():
    model = MLP(2, [3, 2], "tanh", seed=5)
    batched = from_torch(to_torch(model), batched=True)
    assert isinstance(batched, TensorMLP)
    assert np.array_equal(batched.layers[0].W.data,
                          np.array([[w.data for w in n.w] for n in model.layers[0].neurons]).T)
    scalar = from_torch(to_torch(batched), batched=False)
    assert isinstance(scalar, MLP)
    assert [p.data for p in scalar.parameters()] == [p.data for p in model.parameters()]


def test_a_module_written_in_torch_gets_the_slides_names():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2),
                                 torch.nn.Linear(2, 1), Step())  # float32, a layer with no activation
    module[2].weight.requires_grad_(False)
    model = from_torch(module)
    assert [p.label for p in model.parameters()][:3] == ["w1", "w2", "b_h1_1"]
    assert [n.name for n in model.layers[2].neurons] == ["o1"]
    assert [layer.activation for layer in model.layers] == ["tanh", "identity", "step"]
    assert model.layers[1].neurons[0].w[0].label == "w7" and model.layers[1].neurons[0].w[0].frozen
    assert model.layers[0].neurons[0].w[0].data == module[0].weight[0, 0].item()  # float32 -> float64 exactly
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    for l, end in ((0, 2), (1, 3), (2, 5)):  # each layer's outputs (torch computes in float32)
        ours = [[o.data for o in model.forward_layers(r)[l]] for r in x.tolist()]
        assert np.array(ours) == pytest.approx(module[:end](x).detach().numpy(), rel=1e-6, abs=1e-7)


OPTIMIZERS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    (AdaGrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1)),
    (RMSProp, dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.01)),
    (RMSProp, dict(lr=0.01)),
    (Adam, dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.01)),
]
X = [[0.3, -1.2], [-0.7, 0.2], [1.5, 0.4], [0.1, 0.9]]
Y = [[0.2, 0.9], [0.8, 0.1], [0.5, 0.5], [0.0, 1.0]]


def _chainrule_steps(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(np.array(X)) if isinstance(model, TensorMLP) else [model(x) for x in X]
        get_loss("mse")(out, Y).backward()
        optimizer.step()


def _models():
    yield pytest.param(lambda: MLP(2, [3, 2], "tanh", output_activation="sigmoid", seed=4), id="MLP")
    yield pytest.param(lambda: MLP.from_layers([Layer(2, 3, "tanh", weights=[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
                                                      bias=0.3, train_bias=False),
                                                Layer(3, 2, "sigmoid", weights=[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
                                                      bias=0.1)]), id="MLP-shared-frozen-bias")
    yield pytest.param(lambda: TensorMLP(2, [3, 2], "relu", output_activation="sigmoid", seed=4), id="TensorMLP")


@pytest.mark.parametrize("make", list(_models()))
@pytest.mark.parametrize("kind, kwargs", OPTIMIZERS, ids=[f"{k.__name__}-{i}" for i, (k, _) in enumerate(OPTIMIZERS)])
def test_five_steps_here_then_five_in_torch_equal_ten_steps_here(make, kind, kwargs):
    ten = make()
    _chainrule_steps(ten, kind(ten.parameters(), **kwargs), 10)
    five = make()
    optimizer = kind(five.parameters(), **kwargs)
    _chainrule_steps(five, optimizer, 5)
    module, theirs = to_torch(five, optimizer)
    assert type(theirs).__name__ == {SGD: "SGD", AdaGrad: "Adagrad", RMSProp: "RMSprop", Adam: "Adam"}[kind]
    loss = torch_loss("mse")
    for _ in range(5):
        theirs.zero_grad()
        loss(module(torch.tensor(X, dtype=F64)), torch.tensor(Y, dtype=F64)).backward()
        theirs.step()
    after = from_torch(module)
    moved = max(abs(a - b).max() for a, b in zip(ten.state_dict().values(), five.state_dict().values()))
    assert moved > 1e-4  # the last five steps change the weights: the comparison below can fail
    for (name, a), b in zip(ten.state_dict().items(), after.state_dict().values()):
        assert np.max(np.abs(a - b)) <= 1e-10, name
    frozen = [p for p in ten.parameters() if p.frozen]
    assert all(p.data == q.data for p, q in zip(frozen, [p for p in after.parameters() if p.frozen]))


def test_the_optimizer_state_is_carried_over_as_torch_names_it():
    model = MLP(2, [3, 2], "tanh", seed=4)
    optimizer = Adam(model.parameters(), lr=0.01)
    _chainrule_steps(model, optimizer, 3)
    _module, theirs = to_torch(model, optimizer)
    w1 = model.layers[0].neurons[0].w[0]
    state = theirs.state[theirs.param_groups[0]["params"][0]]
    assert float(state["step"]) == 3
    assert float(state["exp_avg"][0, 0]) == optimizer.state[id(w1)]["m"]
    assert float(state["exp_avg_sq"][0, 0]) == optimizer.state[id(w1)]["v"]
    assert theirs.param_groups[0]["betas"] == (0.9, 0.999) and theirs.param_groups[0]["lr"] == 0.01


def test_what_torch_cannot_hold_is_refused_by_name():
    model = MLP(2, [3, 2], "tanh", seed=4)
    freeze(model.layers[0].neurons[0].w[0])  # w1 alone: torch freezes whole tensors
    with pytest.raises(ValueError, match=r"w1 frozen but not the rest of 0\.weight"):
        to_torch(model)
    model = MLP(2, [3, 2], "tanh", seed=4)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    _chainrule_steps(model, optimizer, 1)
    optimizer.step(only=model.layers[1].parameters())  # layer 1 one step ahead: still whole tensors
    to_torch(model, optimizer)
    optimizer.step(only=[model.layers[1].neurons[0].w[0]])
    with pytest.raises(ValueError, match=r"2\.weight have taken different numbers of optimizer steps \(2, 3\)"):
        to_torch(model, optimizer)
    with pytest.raises(ValueError, match=r"updates part of 0\.weight but not w2"):
        to_torch(model, SGD([model.layers[0].neurons[0].w[0]], lr=0.1))
    with pytest.raises(TypeError, match="to_torch takes an nn.MLP or an nn.TensorMLP, got Layer"):
        to_torch(Layer(2, 3))


@pytest.mark.parametrize("entries, message", [
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1)],
     r"cannot take layer 2 \(BatchNorm1d\)"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Dropout(0.5)],
     r"cannot take layer 3 \(Dropout\): .*not after the output layer"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5), torch.nn.Linear(3, 3), torch.nn.Dropout(0.2),
              torch.nn.Linear(3, 1)], r"layer at 2 has dropout p = 0.2, the first hidden layer p = 0.5"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Dropout(0.5)],
     r"layer 3 \(Dropout\): a Dropout must follow"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)], r"layer 1 \(LeakyReLU\).*slope 0.01, not 0.2"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ELU(alpha=0.5)], r"layer 1 \(ELU\).*alpha = 1, not 0.5"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Softplus(beta=2)], r"layer 1 \(Softplus\).*beta = 2"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Sigmoid()],
     r"layer 2 \(Sigmoid\): an activation function"),
    (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 3)], r"layer 0 \(ReLU\): an activation function must follow"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Softmax(dim=0)], r"layer 1 \(Softmax\).*not dim=0"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], r"layer 1 \(Linear\): it takes 4 inputs .* gives 3"),
    (lambda: [torch.nn.Conv1d(1, 1, 3)], r"layer 0 \(Conv1d\)"),
    (lambda: [], "has no Linear layer"),
])
def test_from_torch_names_the_first_layer_it_cannot_take(entries, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*entries()))


def test_from_torch_wants_a_sequential():
    with pytest.raises(TypeError, match="torch.nn.Sequential .* got Linear"):
        from_torch(torch.nn.Linear(2, 3))


def test_without_torch_each_function_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails as if not installed
    model = MLP(2, [2], seed=0)
    for call in (lambda: to_torch(model), lambda: from_torch(object()), lambda: torch_loss("mse")):
        with pytest.raises(ModuleNotFoundError) as e:
            call()
        assert str(e.value) == 'PyTorch is not installed: pip install "chainrule[torch]"'
    with using_language("zh"), pytest.raises(ModuleNotFoundError) as e:
        to_torch(model)
    assert "\n" not in str(e.value) and 'pip install "chainrule[torch]"' in str(e.value)
    assert "PyTorch" in str(e.value) and "安装" in str(e.value)


def test_torch_loss_has_each_chainrule_loss_and_says_how_they_differ_from_torchs():
    o = torch.tensor([[0.2, 0.7], [0.9, 0.4], [0.5, 0.1]], dtype=F64)
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], dtype=F64)
    mse_torch = torch.nn.MSELoss()(o, t)  # the mean over all N*k entries
    assert torch_loss("half_sse")(o, t).item() == pytest.approx(mse_torch.item() * 3 * 2 / 2, rel=1e-15)
    assert torch_loss("mse")(o, t).item() == pytest.approx(mse_torch.item() * 2, rel=1e-15)
    signs = torch.tensor([[-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], dtype=F64)
    from nn.torch_bridge import LOSS_NAMES
    assert set(LOSS_NAMES) == set(LOSSES)
    for name in LOSSES:  # every chainrule loss has its torch form, the same number
        targets = signs if name == "hinge" else t
        outs = [[Value(v) for v in row] for row in o.tolist()]
        ours = get_loss(name)(outs, targets.tolist()).data
        assert torch_loss(name)(o, targets).item() == pytest.approx(ours, rel=1e-15), name
    with pytest.raises(ValueError, match="no torch form of the loss 'huber'"):
        torch_loss("huber")


def test_nn_and_the_command_import_without_torch():
    """torch stays optional: the library and the command load and work without it."""
    import subprocess
    code = ("import sys; sys.modules['torch'] = None\n"
            "import nn, chainrule.cli\n"
            "from nn import MLP, to_torch\n"
            "assert chainrule.cli.main(['bp232', '--after', '1']) == 0\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "E_total" in done.stdout
