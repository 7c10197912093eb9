"""Optimizers step for step against torch.optim (float64), on a small MLP problem."""
import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, AdaGrad, Adam, RMSProp, freeze, mse

torch = pytest.importorskip("torch")

X = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]]
Y = [0.2, -0.4, 0.9]

CASES = [
    (SGD, torch.optim.SGD, dict(lr=0.1)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.01)),
    (AdaGrad, torch.optim.Adagrad, dict(lr=0.1)),
    (AdaGrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.01)),
    (RMSProp, torch.optim.RMSprop, dict(lr=0.01)),
    (RMSProp, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.8)),
    (Adam, torch.optim.Adam, dict(lr=0.01)),
    (Adam, torch.optim.Adam, dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.01)),
]


def torch_twin(model: MLP):
    """The same 2-3-1 tanh network in torch, with the same starting weights."""
    l0, l1 = model.layers
    W0 = torch.tensor([[w.data for w in n.w] for n in l0.neurons], dtype=torch.float64)
    b0 = torch.tensor([n.b.data for n in l0.neurons], dtype=torch.float64)
    W1 = torch.tensor([[w.data for w in n.w] for n in l1.neurons], dtype=torch.float64)
    b1 = torch.tensor([n.b.data for n in l1.neurons], dtype=torch.float64)
    return [t.requires_grad_() for t in (W0, b0, W1, b1)]


def flat(model: MLP) -> np.ndarray:
    l0, l1 = model.layers
    parts = [[w.data for n in l0.neurons for w in n.w], [n.b.data for n in l0.neurons],
             [w.data for n in l1.neurons for w in n.w], [n.b.data for n in l1.neurons]]
    return np.concatenate([np.array(p) for p in parts])


@pytest.mark.parametrize("ours, theirs, kwargs", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_step_for_step_against_torch(ours, theirs, kwargs):
    model = MLP(2, [3, 1], activation="tanh", output_activation="identity", seed=3)
    params = torch_twin(model)
    opt = ours(model.parameters(), **kwargs)
    ref = theirs(params, **kwargs)
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    for _ in range(8):
        loss = mse([model(x) for x in X], Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ref.zero_grad()
        W0, b0, W1, b1 = params
        out = (torch.tanh(Xt @ W0.T + b0) @ W1.T + b1).squeeze(1)
        ref_loss = ((out - Yt) ** 2).mean()
        ref_loss.backward()
        ref.step()
        assert loss.data == pytest.approx(ref_loss.item(), abs=1e-13)
        expected = np.concatenate([p.detach().numpy().ravel() for p in params])
        assert np.allclose(flat(model), expected, rtol=0, atol=1e-12)
    assert all(isinstance(p.data, float) for p in model.parameters())  # stays on floats


def test_frozen_and_gradless_parameters_are_skipped():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    freeze(b)
    opt = Adam([a, b], lr=0.1)
    (a * b).backward()
    opt.step()
    assert a.data != 1.0 and b.data == 2.0


def test_step_only_updates_the_given_subset():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.5)
    (a * b).backward()
    opt.step(only=[b])
    assert (a.data, b.data) == (1.0, 2.0 - 0.5 * 1.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="got no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 0 is a float"):
        SGD([1.0], lr=0.1)


@pytest.mark.parametrize("make, error, message", [
    (lambda p: SGD(p, momentum=-1), ValueError, r"SGD: momentum must be in \[0, 1\), got -1"),
    (lambda p: SGD(p, momentum=1.0), ValueError, r"SGD: momentum must be in \[0, 1\), got 1.0"),
    (lambda p: SGD(p, weight_decay=-0.1), ValueError, r"SGD: weight_decay must be >= 0, got -0.1"),
    (lambda p: SGD(p, lr=float("inf")), ValueError, r"SGD: lr must be a positive number, got inf"),
    (lambda p: SGD(p, lr=True), ValueError, r"SGD: lr must be a positive number, got True"),
    (lambda p: Adam(p, betas=(1.5, 0.9)), ValueError, r"Adam: betas\[0\] must be in \[0, 1\), got 1.5"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), ValueError, r"Adam: betas\[1\] must be in \[0, 1\)"),
    (lambda p: Adam(p, betas=0.9), TypeError, r"Adam: betas must be a pair \(beta1, beta2\), got 0.9"),
    (lambda p: Adam(p, eps=-1e-8), ValueError, r"Adam: eps must be >= 0"),
    (lambda p: RMSProp(p, alpha=1.5), ValueError, r"RMSProp: alpha must be in \[0, 1\], got 1.5"),
    (lambda p: RMSProp(p, momentum=-0.5), ValueError, r"RMSProp: momentum must be in \[0, 1\)"),
    (lambda p: AdaGrad(p, lr_decay=-1), ValueError, r"AdaGrad: lr_decay must be >= 0, got -1"),
    (lambda p: AdaGrad(p, eps="x"), TypeError, r"AdaGrad: eps must be a number, got str 'x'"),
    (lambda p: AdaGrad(p, initial_accumulator_value=-1), ValueError,
     r"AdaGrad: initial_accumulator_value must be >= 0"),
])
def test_hyper_parameters_outside_their_range_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])
