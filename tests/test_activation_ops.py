"""leaky_relu, elu and softplus (the op table's entries): values, first and
second derivatives on Values and Tensors, against closed forms, finite
differences and torch, on both sides of 0 and at 0."""
import math

import numpy as np
import pytest

from autograd import Tensor, Value, derivative, grad, gradcheck, ops

# (name, method call, closed forms f, f', f'') with the parameter each case uses
SLOPE, ALPHA = 0.2, 0.5


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


CASES = {
    "leaky_relu": (lambda v: v.leaky_relu(),
                   lambda x: x if x > 0 else 0.01 * x,
                   lambda x: 1.0 if x > 0 else 0.01,
                   lambda x: 0.0),
    "leaky_relu_slope": (lambda v: v.leaky_relu(slope=SLOPE),
                         lambda x: x if x > 0 else SLOPE * x,
                         lambda x: 1.0 if x > 0 else SLOPE,
                         lambda x: 0.0),
    "elu": (lambda v: v.elu(),
            lambda x: x if x > 0 else math.expm1(x),
            lambda x: 1.0 if x > 0 else math.exp(x),
            lambda x: 0.0 if x >= 0 else math.exp(x)),  # 0 at the kink, as torch
    "elu_alpha": (lambda v: v.elu(ALPHA),
                  lambda x: x if x > 0 else ALPHA * math.expm1(x),
                  lambda x: 1.0 if x > 0 else ALPHA * math.exp(x),
                  lambda x: 0.0 if x >= 0 else ALPHA * math.exp(x)),
    "softplus": (lambda v: v.softplus(),
                 lambda x: math.log1p(math.exp(x)),
                 _sig,
                 lambda x: _sig(x) * (1 - _sig(x))),
}


def torch_of(name, torch):
    F = torch.nn.functional
    return {"leaky_relu": lambda t: F.leaky_relu(t), "leaky_relu_slope": lambda t: F.leaky_relu(t, SLOPE),
            "elu": lambda t: F.elu(t), "elu_alpha": lambda t: F.elu(t, ALPHA),
            "softplus": lambda t: F.softplus(t)}[name]


POINTS = [-3.0, -0.7, -1e-3, 0.0, 1e-3, 0.4, 2.5]


def first_and_second(f, x: float) -> tuple[float, float, float]:
    v = Value(x)
    y = f(v)
    (d,) = grad(y, v, create_graph=True)
    return y.data, d.data, derivative(d, v)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("x", POINTS)
def test_value_and_two_derivatives_match_the_closed_forms(name, x):
    f, F, dF, d2F = CASES[name]
    y, d1, d2 = first_and_second(f, x)
    assert y == pytest.approx(F(x), rel=1e-15, abs=1e-300)
    assert d1 == pytest.approx(dF(x), rel=1e-14)
    assert d2 == pytest.approx(d2F(x), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("x", POINTS)
def test_value_and_two_derivatives_match_torch(name, x, torch):
    f, *_ = CASES[name]
    y, d1, d2 = first_and_second(f, x)
    t = torch.tensor(x, requires_grad=True)
    ty = torch_of(name, torch)(t)
    (td1,) = torch.autograd.grad(ty, t, create_graph=True)
    if td1.requires_grad:
        (td2,) = torch.autograd.grad(td1, t)
    else:  # torch saw a constant derivative (leaky_relu): its second derivative is 0
        td2 = torch.tensor(0.0)
    assert y == pytest.approx(ty.item(), rel=1e-14, abs=1e-300)
    assert d1 == pytest.approx(td1.item(), rel=1e-14, abs=1e-300)
    assert d2 == pytest.approx(td2.item(), rel=1e-12, abs=1e-300)


# At 0 leaky_relu has a kink and elu's derivative one (for alpha != 1 elu has one
# too): finite differences cannot see a derivative there, so they test the points off 0.
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("x", [p for p in POINTS if abs(p) > 0.01])
def test_first_and_second_derivatives_match_finite_differences(name, x):
    f, *_ = CASES[name]
    assert gradcheck(lambda a: f(a), [x], atol=1e-8, rtol=1e-7)
    h = 1e-5
    _, _, d2 = first_and_second(f, x)
    numeric = (first_and_second(f, x + h)[1] - first_and_second(f, x - h)[1]) / (2 * h)
    assert d2 == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_at_zero_the_one_sided_derivatives_meet_where_they_should():
    # softplus and elu(alpha=1) are smooth at 0: a central difference gives their
    # derivative there (1/2 and 1); leaky_relu's two sides differ (1 and the slope)
    # and the engine takes the slope at 0, as torch does.
    h = 1e-6
    for f, expected in ((lambda v: v.softplus(), 0.5), (lambda v: v.elu(), 1.0)):
        _, d1, _ = first_and_second(f, 0.0)
        assert d1 == expected
        # elu's second derivative jumps at 0: the central difference is off by h/4
        assert (f(Value(h)).data - f(Value(-h)).data) / (2 * h) == pytest.approx(expected, rel=1e-6)
    assert first_and_second(lambda v: v.leaky_relu(0.2), 0.0)[1] == 0.2
    right = (Value(h).leaky_relu(0.2).data - 0.0) / h
    left = (0.0 - Value(-h).leaky_relu(0.2).data) / h
    assert (right, left) == (pytest.approx(1.0), pytest.approx(0.2))


def test_far_out_nothing_overflows():
    assert Value(800.0).softplus().data == 800.0
    assert Value(-800.0).softplus().data == 0.0
    assert Value(-800.0).elu().data == -1.0
    v = Value(1000.0)
    (d,) = grad(v.elu(), v, create_graph=True)
    assert (d.data, derivative(d, v)) == (1.0, 0.0)
    t = Tensor([-800.0, 0.0, 800.0])
    t.softplus().sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.5, 1.0])


def test_the_parameter_is_a_constant_operand_and_gets_no_gradient():
    v = Value(-2.0)
    y = v.leaky_relu(0.3)
    assert y.op is ops.LEAKY_RELU and y.children[1].is_constant and y.children[1].data == 0.3
    y.backward()
    assert v.grad == 0.3 and y.children[1].grad == 0.0
    s = Value(0.3)  # a variable slope would be one: the op still holds it fixed
    (gs,) = grad(Value(-2.0)._apply(ops.LEAKY_RELU, (Value(-2.0), s)), s)
    assert gs == 0.0
    assert Value(-1.0).elu().children[1].data == 1.0
    assert Value(-1.0).leaky_relu().children[1].data == 0.01
    assert [op.parameter for op in (ops.LEAKY_RELU, ops.ELU)] == [("slope", 0.01), ("alpha", 1.0)]


@pytest.mark.parametrize("call, message", [
    (lambda v: v.leaky_relu("0.1"), r"leaky_relu\(\): slope must be a finite number, got str '0.1'"),
    (lambda v: v.elu(math.nan), r"elu\(\): alpha must be a finite number, got float nan"),
    (lambda v: v.elu(slope=0.1), r"elu\(\) takes one number, alpha \(default 1.0\); got \(slope=0.1\)"),
    (lambda v: v.leaky_relu(0.1, 0.2), r"leaky_relu\(\) takes one number, slope"),
    (lambda v: v.leaky_relu(True), r"slope must be a finite number, got bool True"),
])
def test_a_bad_parameter_is_named(call, message):
    with pytest.raises(TypeError, match=message):
        call(Value(1.0))
    with pytest.raises(TypeError, match=message):
        call(Tensor([1.0, -1.0]))


TENSOR_CASES = ["leaky_relu", "leaky_relu_slope", "elu", "elu_alpha", "softplus"]


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensor_values_grads_and_hessian_vector_products_match_torch(name, torch):
    f, *_ = CASES[name]
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 2.0, (4, 5))
    x[0, 0] = 0.0  # the point at 0, with torch's convention
    w = rng.normal(size=(4, 5))  # weights, so each entry's derivative shows separately
    t = Tensor(x)
    y = f(t)
    (g,) = grad((y * w).sum(), t, create_graph=True)
    (hv,) = grad((g * w).sum(), t)  # d/dx of sum(w * f'(x) * w) = w^2 f''(x)
    tt = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w)
    ty = torch_of(name, torch)(tt)
    (tg,) = torch.autograd.grad((ty * tw).sum(), tt, create_graph=True)
    thv = torch.autograd.grad((tg * tw).sum(), tt)[0] if tg.requires_grad else torch.zeros_like(tt)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(hv, thv.numpy(), rtol=1e-12, atol=1e-300)
    # and entry by entry the closed forms, also against Value's results
    _, _, dF, d2F = CASES[name]
    np.testing.assert_allclose(g.data, w * np.vectorize(dF)(x), rtol=1e-14)
    np.testing.assert_allclose(hv, w * w * np.vectorize(d2F)(x), rtol=1e-12, atol=1e-300)
    # numpy's expm1 and math's may differ in the last bit
    np.testing.assert_allclose(y.data, [[f(Value(v)).data for v in row] for row in x], rtol=1e-15)


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensor_plain_backward_matches_finite_differences(name):
    f, *_ = CASES[name]
    x = np.random.default_rng(3).uniform(-2.0, 2.0, (3, 4))
    assert gradcheck(lambda a: (f(a) * f(a)).sum(), [x], atol=1e-8, rtol=1e-7)
