"""The scalar engine: every op's gradient, the chain and sum rules, higher-order
derivatives, modes, the observer hook and bad input."""
import math
import warnings

import numpy as np
import pytest

import autograd
from autograd import (
    AnomalyError,
    GradientAccumulationWarning,
    Value,
    detect_anomaly,
    grad,
    gradcheck,
    no_grad,
    topological_order,
    zero_grad,
)
from autograd import ops



def _F():
    """torch.nn.functional, imported when a torch case runs (torch is optional)."""
    import torch.nn.functional as F
    return F


# name -> (function of Values, inputs in the function's domain, torch equivalent)
CASES = {
    "add": (lambda a, b: a + b, [1.3, -0.4], lambda a, b: a + b),
    "radd": (lambda a: 2.5 + a, [0.7], lambda a: 2.5 + a),
    "sub": (lambda a, b: a - b, [1.3, -0.4], lambda a, b: a - b),
    "rsub": (lambda a: 2.0 - a, [0.7], lambda a: 2.0 - a),
    "mul": (lambda a, b: a * b, [1.3, -0.4], lambda a, b: a * b),
    "rmul": (lambda a: 3.0 * a, [0.7], lambda a: 3.0 * a),
    "div": (lambda a, b: a / b, [1.3, -0.4], lambda a, b: a / b),
    "rdiv": (lambda a: 2.0 / a, [0.7], lambda a: 2.0 / a),
    "neg": (lambda a: -a, [0.7], lambda a: -a),
    "pow_const": (lambda a: a ** 3, [-1.2], lambda a: a ** 3),
    "pow_frac": (lambda a: a ** 0.5, [2.0], lambda a: a ** 0.5),
    "pow_value": (lambda a, b: a ** b, [1.7, 0.6], lambda a, b: a ** b),
    "rpow": (lambda a: 2.0 ** a, [0.9], lambda a: 2.0 ** a),
    "exp": (lambda a: a.exp(), [0.8], lambda a: a.exp()),
    "log": (lambda a: a.log(), [0.8], lambda a: a.log()),
    "tanh": (lambda a: a.tanh(), [0.8], lambda a: a.tanh()),
    "sigmoid": (lambda a: a.sigmoid(), [-0.8], lambda a: a.sigmoid()),
    "relu_pos": (lambda a: a.relu(), [0.8], lambda a: a.relu()),
    "relu_neg": (lambda a: a.relu(), [-0.8], lambda a: a.relu()),
    "softplus": (lambda a: a.softplus(), [-0.8], lambda a: _F().softplus(a)),
    "leaky_relu_neg": (lambda a: a.leaky_relu(0.2), [-0.8], lambda a: _F().leaky_relu(a, 0.2)),
    "elu_neg": (lambda a: a.elu(), [-0.8], lambda a: _F().elu(a)),
    "composite": (
        lambda a, b: (a * b).sigmoid() + (a ** 2).log() - b.tanh() / a,
        [1.3, 0.7],
        lambda a, b: (a * b).sigmoid() + (a ** 2).log() - b.tanh() / a,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    f, xs, _ = CASES[name]
    result = gradcheck(f, xs)
    assert result, str(result)
    assert result.max_error < 1e-7


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_torch(name, torch):
    f, xs, tf = CASES[name]
    ours = [Value(x) for x in xs]
    out = f(*ours)
    out.backward()
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    tout = tf(*theirs)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-14)
    for v, t in zip(ours, theirs):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-14)


def test_every_scalar_op_in_the_table_is_exercised():
    used = set()
    for f, xs, _ in CASES.values():
        out = f(*[Value(x) for x in xs])
        used |= {n.op for n in topological_order(out) if n.op is not None}
    missing = set(ops.SCALAR_OPS) - used - {ops.STEP}
    assert not missing, missing


def test_step_forward_and_zero_derivative():
    xs = [Value(v) for v in (-1.0, 0.0, 2.0)]
    outs = [x.step() for x in xs]
    assert [o.data for o in outs] == [0.0, 1.0, 1.0]
    for x, o in zip(xs, outs):
        o.backward()
        assert x.grad == 0.0


def test_closed_forms():
    x = Value(0.3)
    y = x.sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(-0.3))
    assert y.data == pytest.approx(s, abs=1e-15)
    assert x.grad == pytest.approx(s * (1 - s), abs=1e-15)
    # sigmoid stays finite and exact far out on both sides
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0


def test_fan_out_uses_the_sum_rule():
    x = Value(3.0)
    y = (x + x) * x  # y = 2x^2, dy/dx = 4x
    y.backward()
    assert x.grad == 12.0


def test_a_b_c_doubling_gives_four():
    a = Value(1.0, "a")
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_two_path_chain_rule_of_the_slides():
    # z = x*y with x = s^2, y = 3s: dz/ds = dz/dx dx/ds + dz/dy dy/ds = 9 s^2
    s = Value(2.0, "s")
    x, y = s ** 2, 3 * s
    z = x * y
    z.backward()
    assert s.grad == pytest.approx(y.data * 2 * s.data + x.data * 3) == 36.0


def test_million_node_chain_backpropagates():
    x = Value(1.0)
    y = x
    for _ in range(500_000):  # two nodes per step: a constant leaf and the product
        y = y * 1.000001
    order = topological_order(y)
    assert len(order) == 1_000_001
    y.backward()
    assert x.grad == pytest.approx(1.000001 ** 500_000, rel=1e-9)


def test_observer_sees_every_edge_and_products_sum_to_grads():
    w = Value(0.4, "w")
    h = Value(0.9, "h")
    o = (w * h).sigmoid()
    loss = (o - 0.01) ** 2 + o * w
    steps = []
    loss.backward(on_step=steps.append)
    inflow = {}
    for s in steps:
        assert s.product == pytest.approx(s.local * s.upstream)
        inflow[id(s.child)] = inflow.get(id(s.child), 0.0) + s.product
    for node in topological_order(loss):
        if node is not loss:
            # constants (the exponent 2) receive nothing and keep grad 0
            assert inflow.get(id(node), 0.0) == pytest.approx(node.grad, abs=1e-15)
    # w reaches the loss along two paths
    assert sum(1 for s in steps if s.child is w) == 2
    # the observed pass gives exactly the fast pass's gradients
    fast = Value(0.4)
    lf = ((fast * 0.9).sigmoid() - 0.01) ** 2 + (fast * 0.9).sigmoid() * fast
    lf.backward()
    assert fast.grad == w.grad


def test_grad_leaves_dot_grad_alone_and_matches_backward():
    a, b = Value(1.5), Value(-2.0)
    out = a * b + a.exp()
    ga, gb = grad(out, [a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    assert ga == pytest.approx(-2.0 + math.exp(1.5))
    assert gb == pytest.approx(1.5)
    unused = Value(7.0)
    (g,) = grad(out, [unused])
    assert g == 0.0


def test_higher_derivatives_of_tanh():
    x0 = 0.4
    x = Value(x0)
    t = math.tanh(x0)
    d1 = 1 - t * t
    closed = [d1, -2 * t * d1, -2 * d1 * d1 + 4 * t * t * d1,
              8 * t * d1 * d1 + 8 * t * d1 * d1 - 8 * t ** 3 * d1]
    g = x.tanh()
    for k in range(4):
        (g,) = grad(g, [x], create_graph=True)
        assert g.data == pytest.approx(closed[k], rel=1e-12), f"derivative {k + 1}"


def test_higher_derivatives_match_torch(torch):
    def f(x):
        return (x * x).sigmoid() * x.tanh() + (x ** 3) / (1 + x.exp())

    x = Value(0.7)
    tx = torch.tensor(0.7, requires_grad=True)
    g, tg = f(x), f(tx)
    for order in (1, 2, 3):
        (g,) = grad(g, [x], create_graph=True)
        (tg,) = torch.autograd.grad(tg, tx, create_graph=True)
        assert g.data == pytest.approx(tg.item(), rel=1e-10), f"order {order}"


def test_backward_create_graph_then_backward_again(torch):
    x = Value(1.2)
    y = x ** 3 * x.sin() if hasattr(x, "sin") else x ** 3 * x.tanh()
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    x.grad = 0.0
    first.backward()
    tx = torch.tensor(1.2, requires_grad=True)
    ty = tx ** 3 * tx.tanh()
    (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
    tg.backward()
    assert first.data == pytest.approx(tg.item(), rel=1e-12)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-10)


def test_newtons_method_with_second_derivatives():
    # f(x) = x^4 - 3x^2 + x: Newton from x=2 converges to the local minimum
    def f(x):
        return x ** 4 - 3 * x ** 2 + x

    x = 2.0
    for _ in range(8):
        v = Value(x)
        (g,) = grad(f(v), [v], create_graph=True)
        (h,) = grad(g, [v])
        x -= g.data / h
    assert 4 * x ** 3 - 6 * x + 1 == pytest.approx(0.0, abs=1e-12)
    assert 12 * x ** 2 - 6 > 0


def test_hessian_of_a_small_function():
    # f(x, y) = x^2 y + y^3: H = [[2y, 2x], [2x, 6y]]
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + y ** 3
    gx, gy = grad(f, [x, y], create_graph=True)
    hessian = [list(grad(g, [x, y])) for g in (gx, gy)]
    assert np.allclose(hessian, [[2 * -0.5, 2 * 1.5], [2 * 1.5, 6 * -0.5]], atol=1e-14)


def test_zero_grad_and_second_backward_warning():
    a = Value(2.0, "a")
    out = a * a
    out.backward()
    with pytest.warns(GradientAccumulationWarning, match="zero_grad"):
        out.backward()
    assert a.grad == 8.0  # compounded, and the user was told
    zero_grad(out)
    assert a.grad == 0.0 and out.grad == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out.backward()
        out.backward(accumulate=True)  # on purpose: no warning
    assert a.grad == 8.0


def test_no_grad_records_nothing():
    w = Value(0.5)
    with no_grad():
        y = w * 3 + 1
        assert not autograd.is_grad_enabled()
    assert y.is_leaf and y.is_constant and y.children == () and y.data == 2.5
    assert autograd.is_grad_enabled()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value("abc"), "needs a number.*str 'abc'"),
        (lambda: Value(None), "needs a number, got None"),
        (lambda: Value(np.array([1.0, 2.0])), "shape \\(2,\\).*Tensor"),
        (lambda: Value(Value(1.0)), "got a Value"),
        (lambda: Value(1.0) + "x", "\\+: operands must be Values or numbers"),
        (lambda: Value(1.0) * np.ones(3), "numpy array of shape \\(3,\\)"),
        (lambda: Value(1.0, label=3), "label must be a str"),
    ],
)
def test_bad_input_gets_a_clear_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value(-2.0, "x").log(), r"log\(x=-2.0\): log is defined for positive numbers"),
        (lambda: Value(0.0).log(), r"log\(0.0\): log is defined for positive"),
        (lambda: Value(0.0) ** -1, r"pow\(0.0, -1.0\): this power is undefined"),
        (lambda: Value(-8.0) ** (1 / 3), r"pow\(-8.0, 0.333.*\): this power is undefined"),
        (lambda: Value(1000.0).exp(), r"exp\(1000.0\): exp overflowed"),
    ],
)
def test_domain_errors_name_the_op_and_inputs(make, message):
    with pytest.raises(ArithmeticError, match=message):
        make()


def test_division_by_zero_names_the_operands():
    with pytest.raises(ZeroDivisionError, match=r"a=1.0 / 0.0"):
        Value(1.0, "a") / 0


def test_anomaly_mode_catches_forward_and_backward():
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"forward: mul\(big=1e\+200, 1e\+200\)"):
            Value(1e200, "big") * 1e200
        x = Value(0.0, "x")
        y = x ** 0.5  # forward fine (0), derivative 0.5 * 0**-0.5 = inf
        with pytest.raises(AnomalyError, match=r"backward.*pow\(x=0.0, 0.5\)"):
            y.backward()
    # outside the block the same thing is allowed
    assert (Value(1e200) * 1e200).data == math.inf


def test_repr_and_html_card():
    w = Value(0.4, "w7")
    w.grad = 0.0780644
    assert repr(w) == "Value('w7', data=0.400000, grad=0.078064)"
    assert repr(Value(2.0)) == "Value(data=2.000000, grad=0.000000)"
    card = w._repr_html_()
    assert "w7" in card and "0.400000" in card and "0.078064" in card


def test_gradcheck_reports_a_wrong_rule():
    wrong = ops.Op("bad_square", "sq", lambda a: a * a, lambda out, a: (3.0 * a,))
    from autograd.value import _make

    result = gradcheck(lambda x: _make(wrong, (x,)), [1.0])
    assert not result
    assert result.max_error == pytest.approx(1.0, abs=1e-6)  # 3x vs 2x at x=1
    assert "MISMATCH" in str(result)


def test_numpy_scalars_on_either_side():
    x = Value(2.0)
    y = np.float64(3.0) * x + x * np.float64(0.5)
    assert isinstance(y, Value)
    y.backward()
    assert x.grad == 3.5


def test_undefined_local_derivative_names_the_op():
    from autograd.value import _make

    broken = ops.Op("sqrt_of_negative", "√", lambda a: 0.0, lambda out, a: (math.sqrt(a),))
    y = _make(broken, (Value(-1.0, "x"),))
    with pytest.raises(ArithmeticError, match=r"backward: the local derivative of "
                                              r"sqrt_of_negative\(x=-1.0\) is undefined here"):
        y.backward()


@pytest.mark.parametrize("base, exponent", [(0.0, 2.0), (0.0, 0.5), (0.0, 0.0), (0.0, 1.0),
                                            (-1.5, 2.0), (2.0, -1.0)])
def test_powers_at_the_edges_of_their_domain_match_torch(base, exponent, torch):
    x, n = Value(base), Value(exponent)
    (x ** n).backward()
    tx = torch.tensor(base, requires_grad=True)
    tn = torch.tensor(exponent, requires_grad=True)
    (tx ** tn).backward()
    for ours, theirs in ((x.grad, tx.grad.item()), (n.grad, tn.grad.item())):
        assert ours == pytest.approx(theirs, nan_ok=True), (base, exponent)
    # a constant exponent: the same derivative for the base
    c = Value(base)
    (c ** exponent).backward()
    assert c.grad == pytest.approx(tx.grad.item(), nan_ok=True)


def test_no_grad_results_and_requires_grad_false_are_constants():
    data = Value(3.0, requires_grad=False)
    w = Value(0.5, "w")
    with no_grad():
        scaled = data * 2.0
    assert scaled.is_constant and data.is_constant
    for _ in range(2):  # reused input data never makes the second pass warn
        w.grad = 0.0
        (w * scaled).backward()
        assert w.grad == 6.0
    w.grad = None  # clearing with None works too
    (w * scaled).backward()
    assert w.grad == 6.0


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Value(10 ** 400), OverflowError, "too large for a float"),
        (lambda: Value(1.0) + 10 ** 400, OverflowError, "too large for a float"),
        (lambda: Value(1.0) + np.complex128(1 + 2j), TypeError, "complex"),
        (lambda: Value(2 + 1j), TypeError, "complex"),
        (lambda: Value(2.0) ** Value(2000.0), ArithmeticError, "pow overflowed"),
        (lambda: Value(10.0) ** 400, ArithmeticError, "pow overflowed"),
        (lambda: bool(Value(0.0)), TypeError, "truth value of a Value is ambiguous"),
        (lambda: np.asarray(Value(1.0)) + 1, TypeError, "not an array"),
    ],
)
def test_more_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_gradcheck_names_entries_after_the_parameters():
    result = gradcheck(lambda w7, out_h1: w7 * out_h1, [0.4, 0.912934])
    assert result.names == ["w7", "out_h1"]
    assert result.analytic == pytest.approx([0.912934, 0.4])
    assert "w7" in str(result)
    named = gradcheck(lambda *xs: xs[0] * xs[1], [1.0, 2.0], names=["a", "b"])
    assert named.names == ["a", "b"]
    with pytest.raises(ValueError, match="1 names for 2 inputs"):
        gradcheck(lambda a, b: a * b, [1.0, 2.0], names=["a"])
