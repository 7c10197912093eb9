"""The Tensor engine: every op against finite differences and torch (float64),
broadcasting, seed 003's matrix rules, the 2-3-2 example, modes and bad input."""

import re

import numpy as np
import pytest

import autograd
from autograd import (
    AnomalyError,
    GradientAccumulationWarning,
    ShapeError,
    Tensor,
    Value,
    detect_anomaly,
    grad,
    gradcheck,
    no_grad,
    ops,
    topological_order,
    zero_grad,
)

RNG = np.random.default_rng(2024)


def r(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape)


IDX_ROWS = np.array([0, 2, 2, 1])
IDX_COLS = np.array([3, 0, 0, 1])
LABELS = np.array([2, 0, 1])

# name -> (function of Tensors, inputs, torch equivalent); the functions return a
# scalar (one-element) tensor so gradcheck and torch compare every input entry.
CASES = {
    "add_broadcast": (lambda a, b: ((a + b) * (a + b)).sum(), [r(3, 4), r(4)],
                      lambda a, b: ((a + b) * (a + b)).sum()),
    "add_broadcast_1": (lambda a, b: ((a + b) ** 2).sum(), [r(3, 1), r(1, 4)],
                        lambda a, b: ((a + b) ** 2).sum()),
    "sub_scalar_tensor": (lambda a, b: ((a - b) ** 2).sum(), [r(2, 3), r()],
                          lambda a, b: ((a - b) ** 2).sum()),
    "mul_broadcast": (lambda a, b: (a * b).sum(), [r(2, 3, 4), r(3, 1)],
                      lambda a, b: (a * b).sum()),
    "div": (lambda a, b: (a / b).sum(), [r(3, 2), r(3, 2, low=0.5, high=2.0)],
            lambda a, b: (a / b).sum()),
    "rdiv_const": (lambda a: (2.0 / a).sum(), [r(4, low=0.5, high=2.0)],
                   lambda a: (2.0 / a).sum()),
    "neg_rsub": (lambda a: (1.0 - (-a) * 3.0).sum(), [r(2, 2)],
                 lambda a: (1.0 - (-a) * 3.0).sum()),
    "pow_const": (lambda a: (a ** 3).sum(), [r(5)], lambda a: (a ** 3).sum()),
    "pow_frac": (lambda a: (a ** 0.5).sum(), [r(5, low=0.5, high=2.0)],
                 lambda a: (a ** 0.5).sum()),
    "pow_tensor": (lambda a, b: (a ** b).sum(), [r(3, low=0.5, high=2.0), r(3)],
                   lambda a, b: (a ** b).sum()),
    "rpow": (lambda a: (2.0 ** a).sum(), [r(4)], lambda a: (2.0 ** a).sum()),
    "exp": (lambda a: a.exp().sum(), [r(3, 2)], lambda a: a.exp().sum()),
    "log": (lambda a: a.log().sum(), [r(3, 2, low=0.2, high=3.0)], lambda a: a.log().sum()),
    "tanh": (lambda a: (a.tanh() * a).sum(), [r(3, 2)], lambda a: (a.tanh() * a).sum()),
    "sigmoid": (lambda a: (a.sigmoid() * a).sum(), [r(3, 2, low=-4, high=4)],
                lambda a: (a.sigmoid() * a).sum()),
    "relu": (lambda a: (a.relu() * a).sum(), [r(4, 3)], lambda a: (a.relu() * a).sum()),
    "matmul": (lambda a, b: ((a @ b) ** 2).sum(), [r(3, 4), r(4, 2)],
               lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_batched": (lambda a, b: ((a @ b) ** 2).sum(), [r(2, 3, 4), r(4, 2)],
                       lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_broadcast_batch": (lambda a, b: ((a @ b) ** 2).sum(), [r(2, 1, 3, 4), r(5, 4, 2)],
                               lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_vec_mat": (lambda a, b: ((a @ b) ** 2).sum(), [r(4), r(4, 3)],
                       lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_mat_vec": (lambda a, b: ((a @ b) ** 2).sum(), [r(3, 4), r(4)],
                       lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_batch_vec": (lambda a, b: ((a @ b) ** 2).sum(), [r(2, 3, 4), r(4)],
                         lambda a, b: ((a @ b) ** 2).sum()),
    "matmul_vec_vec": (lambda a, b: (a @ b) ** 2, [r(4), r(4)], lambda a, b: (a @ b) ** 2),
    "sum_axis": (lambda a: (a.sum(axis=1) ** 2).sum(), [r(3, 4)],
                 lambda a: (a.sum(dim=1) ** 2).sum()),
    "sum_axes_keepdims": (lambda a: ((a.sum(axis=(0, 2), keepdims=True) * a) ** 2).sum(),
                          [r(2, 3, 4)],
                          lambda a: ((a.sum(dim=(0, 2), keepdim=True) * a) ** 2).sum()),
    "mean": (lambda a: (a.mean(axis=0) ** 2).sum() + a.mean(), [r(3, 4)],
             lambda a: (a.mean(dim=0) ** 2).sum() + a.mean()),
    "mean_neg_axis_keepdims": (lambda a: ((a - a.mean(axis=-1, keepdims=True)) ** 2).sum(),
                               [r(3, 4)],
                               lambda a: ((a - a.mean(dim=-1, keepdim=True)) ** 2).sum()),
    "reshape": (lambda a: (a.reshape(4, 3) @ a.reshape(3, -1)).sum(), [r(2, 6)],
                lambda a: (a.reshape(4, 3) @ a.reshape(3, -1)).sum()),
    "transpose_T": (lambda a: ((a.T @ a) ** 2).sum(), [r(3, 2)],
                    lambda a: ((a.T @ a) ** 2).sum()),
    "transpose_axes": (lambda a: (a.transpose(2, 0, 1) * r_const).sum(), [r(2, 3, 4)],
                       lambda a: (a.permute(2, 0, 1) * torch_const()).sum()),
    "index_rows": (lambda a: (a[IDX_ROWS] ** 2).sum(), [r(3, 4)],
                   lambda a: (a[IDX_ROWS] ** 2).sum()),
    "index_pairs_repeated": (lambda a: (a[IDX_ROWS, IDX_COLS] ** 3).sum(), [r(3, 4)],
                             lambda a: (a[IDX_ROWS, IDX_COLS] ** 3).sum()),
    "index_slice": (lambda a: (a[1:, ::2] ** 2).sum(), [r(3, 4)],
                    lambda a: (a[1:, ::2] ** 2).sum()),
    "softmax": (lambda a: (a.softmax() * weights_3x4).sum(), [r(3, 4)],
                lambda a: (a.softmax(dim=-1) * torch_weights()).sum()),
    "softmax_axis0": (lambda a: (a.softmax(axis=0) * weights_3x4).sum(), [r(3, 4)],
                      lambda a: (a.softmax(dim=0) * torch_weights()).sum()),
    "log_softmax": (lambda a: (a.log_softmax() * weights_3x4).sum(), [r(3, 4)],
                    lambda a: (a.log_softmax(dim=-1) * torch_weights()).sum()),
    "cross_entropy_indices": (lambda a: a.cross_entropy(LABELS), [r(3, 4, low=-3, high=3)],
                              lambda a: torch_ce(a, LABELS)),
    "cross_entropy_onehot": (lambda a: a.cross_entropy(np.eye(4)[LABELS]), [r(3, 4)],
                             lambda a: torch_ce(a, LABELS)),
    "cross_entropy_soft": (lambda a: a.cross_entropy(soft_targets), [r(3, 4)],
                           lambda a: torch_ce_soft(a, soft_targets)),
    "cross_entropy_one_sample": (lambda a: a.cross_entropy(2), [r(4)],
                                 lambda a: torch_ce(a.reshape(1, 4), np.array([2]))),
    "fan_out": (lambda a: ((a + a) * a).sum(), [r(3)], lambda a: ((a + a) * a).sum()),
    "mlp_layer": (lambda x, W, b: ((x @ W + b).sigmoid() ** 2).mean(), [r(5, 3), r(3, 2), r(2)],
                  lambda x, W, b: ((x @ W + b).sigmoid() ** 2).mean()),
}
r_const = r(4, 2, 3)
weights_3x4 = r(3, 4)
soft_targets = RNG.dirichlet(np.ones(4), 3)


def torch_const():
    import torch
    return torch.tensor(r_const)


def torch_weights():
    import torch
    return torch.tensor(weights_3x4)


def torch_ce(a, labels):
    import torch
    return torch.nn.functional.cross_entropy(a, torch.tensor(labels))


def torch_ce_soft(a, targets):
    import torch
    return torch.nn.functional.cross_entropy(a, torch.tensor(targets))


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    f, xs, _ = CASES[name]
    result = gradcheck(f, xs)
    assert result, str(result)


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_match_torch(name, torch):
    f, xs, tf = CASES[name]
    ours = [Tensor(x) for x in xs]
    out = f(*ours)
    out.backward()
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    expected = tf(*theirs)
    expected.backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for t, e in zip(ours, theirs):
        np.testing.assert_allclose(t.grad, e.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "cross_entropy_indices", "matmul",
                                  "sum_axes_keepdims", "index_pairs_repeated", "mlp_layer",
                                  "transpose_T", "reshape", "div"])
def test_second_derivatives_match_torch(name, torch):
    """create_graph=True: the backward pass is recorded with the same op table,
    so Hessian-vector products come out right (against torch's double backward)."""
    f, xs, tf = CASES[name]
    v = [r(*np.shape(x)) for x in xs]
    ours = [Tensor(x) for x in xs]
    gs = grad(f(*ours), ours, create_graph=True)
    hvp = grad(sum(((g * vi).sum() for g, vi in zip(gs, v)), Tensor(0.0)), ours)
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    tg = torch.autograd.grad(tf(*theirs), theirs, create_graph=True)
    th = torch.autograd.grad(sum((g * torch.tensor(vi)).sum() for g, vi in zip(tg, v)), theirs,
                             allow_unused=True)
    for h, e in zip(hvp, th):
        expected = np.zeros_like(h) if e is None else e.numpy()
        np.testing.assert_allclose(h, expected, rtol=1e-9, atol=1e-12)


def test_second_derivative_closed_form():
    x = Tensor([0.5, -1.0, 2.0])
    (g,) = grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(h, 6 * x.data)


# --- broadcasting ------------------------------------------------------------------------

def test_broadcast_gradient_is_summed_back_to_each_operand_shape():
    a = Tensor(np.arange(6.0).reshape(2, 3))
    b = Tensor([10.0, 20.0, 30.0])
    c = Tensor(2.0)
    ((a + b) * c).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == ()
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])       # two rows, times c
    assert c.grad == pytest.approx(a.data.sum() + 2 * b.data.sum())


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.integers(0, 2 ** 32 - 1))
def test_any_broadcast_of_mul_and_add_has_the_finite_difference_gradient(shapes, seed):
    rng = np.random.default_rng(seed)
    a0, b0 = (rng.uniform(-1, 1, s) for s in shapes.input_shapes)
    weight = rng.uniform(-1, 1, shapes.result_shape)
    result = gradcheck(lambda a, b: ((a * b + a) * weight).sum(), [a0, b0])
    assert result, str(result)
    a, b = Tensor(a0), Tensor(b0)
    ((a * b + a) * weight).sum().backward()
    # the closed form: d/da = sum over broadcast axes of weight*(b+1), d/db of weight*a
    expected_a = np.broadcast_to(weight * (b0 + 1), shapes.result_shape)
    expected_b = weight * a0
    for t, e in ((a, expected_a), (b, expected_b)):
        extra = e.ndim - t.ndim
        e = e.sum(axis=tuple(range(extra))) if extra else e
        e = e.sum(axis=tuple(i for i, n in enumerate(t.shape) if n == 1), keepdims=True)
        np.testing.assert_allclose(t.grad, e.reshape(t.shape), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2 ** 32 - 1))
def test_matrix_rules_of_seed_003_hold_for_any_shape(n, m, k, seed):
    """out = Z W + b~: dJ/dW = Z^T dJ/dout, dJ/dZ = dJ/dout W^T, dJ/db = column
    sums of dJ/dout, read off the engine's own gradients."""
    rng = np.random.default_rng(seed)
    Z, W, b = Tensor(rng.normal(size=(n, m))), Tensor(rng.normal(size=(m, k))), \
        Tensor(rng.normal(size=k))
    upstream = rng.normal(size=(n, k))  # dJ/dout for J = sum(out * upstream)
    out = Z @ W + b
    (out * upstream).sum().backward()
    np.testing.assert_allclose(W.grad, Z.data.T @ upstream, atol=1e-12)
    np.testing.assert_allclose(Z.grad, upstream @ W.data.T, atol=1e-12)
    np.testing.assert_allclose(b.grad, upstream.sum(axis=0), atol=1e-12)


# --- seed 003 ------------------------------------------------------------------------

def test_seed_003_matrix_identities_with_the_slide_shapes():
    # the slide's example: Z_L is 2x3, W_{L+1} is 3x2, out is 2x2
    Z = Tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], label="Z_L")
    W = Tensor([[1.0, -1.0], [0.5, 2.0], [-0.3, 0.7]], label="W")
    b = Tensor([0.05, -0.05], label="b")
    out = (Z @ W + b).named("out")
    dJ_dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    out.backward(dJ_dout)  # an explicit upstream gradient: a vector-Jacobian product
    assert out.shape == (2, 2)
    # dJ/dw11 = dJ/do11 z11 + dJ/do21 z21, as written out on the slide
    assert W.grad[0, 0] == pytest.approx(1.0 * 0.1 + 3.0 * 0.4)
    np.testing.assert_allclose(W.grad, Z.data.T @ dJ_dout)
    np.testing.assert_allclose(Z.grad, dJ_dout @ W.data.T)
    np.testing.assert_allclose(b.grad, [1.0 + 3.0, 2.0 + 4.0])   # SumRow(dJ/dout)


def test_seed_003_xor_network():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    W = Tensor([[1.0, 1.0], [1.0, 1.0]])
    c = Tensor([0.0, -1.0])
    w = Tensor([1.0, -2.0])
    y = (X @ W + c).relu() @ w + 0.0
    np.testing.assert_array_equal(y.data, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal((X @ W).data, [[0, 0], [1, 1], [1, 1], [2, 2]])


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    y = Tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    labels = np.array([0, 2])
    J = y.cross_entropy(labels)
    J.backward()
    S = np.exp(y.data) / np.exp(y.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y.grad, (S - np.eye(3)[labels]) / 2)
    assert J.item() == pytest.approx(-np.log(S[[0, 1], labels]).mean())


def test_cross_entropy_is_stable_for_huge_logits():
    y = Tensor([[1000.0, 0.0, -1000.0]])
    J = y.cross_entropy([1])
    J.backward()
    assert J.item() == pytest.approx(1000.0)
    np.testing.assert_allclose(y.grad, [[1.0, -1.0, 0.0]], atol=1e-300)
    np.testing.assert_allclose(Tensor([[1000.0, 999.0]]).softmax().data,
                               [[1 / (1 + np.exp(-1)), 1 / (1 + np.e)]])


def test_cross_entropy_with_the_softmax_at_hand_gives_the_same_loss_and_gradient():
    logits = Tensor(r(5, 3, low=-5, high=5))
    labels = np.array([0, 2, 1, 1, 0])
    plain = logits.cross_entropy(labels)
    plain.backward()
    g_plain = logits.grad
    logits.grad = logits.zero_gradient()
    fused = logits.cross_entropy(labels, softmax=logits.softmax())
    fused.backward()
    assert fused.item() == pytest.approx(plain.item(), rel=1e-14)
    np.testing.assert_allclose(logits.grad, g_plain, rtol=1e-14)
    with pytest.raises(ValueError, match="this tensor's softmax"):
        logits.cross_entropy(labels, softmax=Tensor(r(5, 3)).softmax())


# --- the 2-3-2 example (bp_2_3_2.md) ------------------------------------------------------

W_SLIDES = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65]


def _two_three_two():
    w = dict(zip(range(1, 13), W_SLIDES))
    # W of shape (inputs, outputs) as in seed 003; the slides number the hidden
    # weights target-major (net_h1 = w1 l1 + w2 l2) and the output weights
    # source-major (net_o1 = w7 out_h1 + w9 out_h2 + w11 out_h3).
    W1 = Tensor([[w[1], w[3], w[5]], [w[2], w[4], w[6]]], label="W1")
    W2 = Tensor([[w[7], w[8]], [w[9], w[10]], [w[11], w[12]]], label="W2")
    b1 = Tensor(0.35, label="b1")  # one bias per layer, shared by its neurons
    b2 = Tensor(0.65, label="b2")
    x = np.array([[5.0, 10.0]])
    target = np.array([[0.01, 0.99]])
    out_h = (x @ W1 + b1).sigmoid().named("out_h")
    out_o = (out_h @ W2 + b2).sigmoid().named("out_o")
    E_total = (((target - out_o) ** 2) * 0.5).sum().named("E_total")
    return W1, W2, b1, b2, out_h, out_o, E_total


def test_two_three_two_forward_figures():
    *_, out_h, out_o, E_total = _two_three_two()
    # one unit in the last printed digit (the slides round their intermediates:
    # out_h3 = sigmoid(5.35) = 0.99527429 is printed 0.995275)
    np.testing.assert_allclose(out_h.data, [[0.912934, 0.979164, 0.995275]], atol=1e-6)
    np.testing.assert_allclose(out_o.data, [[0.891090, 0.904330]], atol=5e-7)
    assert E_total.item() == pytest.approx(0.391829, abs=5e-7)


def test_two_three_two_gradients_match_the_slides_and_the_scalar_engine():
    W1, W2, b1, b2, out_h, out_o, E_total = _two_three_two()
    E_total.backward()
    assert W2.grad[0, 0] == pytest.approx(0.078064, abs=5e-7)  # dE/dw7
    # the scalar engine on the same network gives the same twelve gradients
    w = [Value(v, f"w{i + 1}") for i, v in enumerate(W_SLIDES)]
    l1, l2, B1, B2 = 5.0, 10.0, Value(0.35), Value(0.65)
    h = [(w[2 * j] * l1 + w[2 * j + 1] * l2 + B1).sigmoid() for j in range(3)]
    o = [(w[6 + k] * h[0] + w[8 + k] * h[1] + w[10 + k] * h[2] + B2).sigmoid()
         for k in range(2)]
    E = 0.5 * (0.01 - o[0]) ** 2 + 0.5 * (0.99 - o[1]) ** 2
    E.backward()
    g = [v.grad for v in w]
    np.testing.assert_allclose(W1.grad, [[g[0], g[2], g[4]], [g[1], g[3], g[5]]], rtol=1e-12)
    np.testing.assert_allclose(W2.grad, [[g[6], g[7]], [g[8], g[9]], [g[10], g[11]]],
                               rtol=1e-12)
    # a shared bias collects the gradient of every neuron using it
    assert b1.grad == pytest.approx(B1.grad, rel=1e-12)
    assert b2.grad == pytest.approx(B2.grad, rel=1e-12)
    # plain gradient descent (eta = 0.5): the "simultaneous" column of bp_2_3_2.md
    new = np.concatenate([(W1.data - 0.5 * W1.grad).T.ravel(),
                          (W2.data - 0.5 * W2.grad).T.ravel()])
    # W1.T rows are (w1, w2), (w3, w4), (w5, w6); W2.T rows are (w7, w9, w11), (w8, w10, w12)
    simultaneous = {1: 0.093866, 2: 0.137732, 3: 0.198027, 4: 0.246054, 5: 0.299453,
                    6: 0.348907, 7: 0.360968, 9: 0.458136, 11: 0.557448, 8: 0.453383,
                    10: 0.553629, 12: 0.653688}
    order = [1, 2, 3, 4, 5, 6, 7, 9, 11, 8, 10, 12]
    np.testing.assert_allclose(new, [simultaneous[i] for i in order], atol=5e-7)


# --- the backward pass ---------------------------------------------------------------

def test_backward_of_a_non_scalar_tensor_explains_why_it_needs_a_gradient():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x * 2.0
    with pytest.raises(ValueError, match=r"ONE number.*\.sum\(\).*gradient=.*\(2, 2\)"):
        y.backward()
    y.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 2.0))
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2, 2\)"):
        y.backward(np.ones(3), accumulate=True)


def test_one_element_tensor_of_any_rank_can_start_backward():
    x = Tensor([[3.0]])
    (x * x).backward()
    assert x.grad.shape == (1, 1) and x.grad[0, 0] == 6.0


def test_multi_path_sum_rule_and_the_observer():
    x = Tensor([1.0, 2.0], label="x")
    W = Tensor([[1.0, -1.0], [0.5, 2.0]], label="W")
    h = (x @ W).named("h")
    loss = ((h * x).sum() + (x ** 2).sum()).named("loss")  # x reaches loss along 3 paths
    steps = []
    loss.backward(on_step=steps.append)
    into_x = [s.product for s in steps if s.child is x]
    assert len(into_x) == 3
    np.testing.assert_allclose(sum(into_x), x.grad)
    # closed form: d/dx (x W x + x.x) = (W + W^T) x + 2x
    np.testing.assert_allclose(x.grad, (W.data + W.data.T) @ x.data + 2 * x.data)
    matmul = [s for s in steps if s.parent is h]
    assert all(s.local is None for s in matmul)  # a Jacobian, not an elementwise factor


def test_fast_backward_equals_the_generic_loop():
    x = r(6, 4)
    params = [Tensor(r(4, 5)), Tensor(r(5)), Tensor(r(5, 3)), Tensor(r(3))]

    def loss():
        W1, b1, W2, b2 = params
        return ((x @ W1 + b1).tanh() @ W2 + b2).cross_entropy(np.array([0, 1, 2, 0, 1, 2]))

    expected = grad(loss(), params)          # the generic loop, into a dict
    observed = []
    loss().backward(on_step=observed.append)  # the generic loop, into .grad
    generic = [p.grad for p in params]
    for p in params:
        p.grad = p.zero_gradient()
    loss().backward()                         # the lean array pass
    for p, e, g in zip(params, expected, generic):
        np.testing.assert_allclose(p.grad, e, rtol=1e-14)
        np.testing.assert_allclose(g, e, rtol=1e-14)


def test_constants_get_no_gradient_and_leaf_grads_are_own_writable_arrays():
    X = r(3, 4)
    W = Tensor(r(4, 2))
    Xc = Tensor(X, requires_grad=False)
    assert Xc.is_constant
    (Xc @ W).sum().backward()
    assert not Xc.grad.any()
    np.testing.assert_allclose(W.grad, X.T @ np.ones((3, 2)))
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    (a + b).sum().backward()
    assert a.grad is not b.grad and a.grad.flags.writeable
    with pytest.raises(RuntimeError, match="no variable"):
        (Xc * 2.0).sum().backward()


def test_second_backward_warns_and_accumulate_sums():
    x = Tensor([1.0, -2.0])
    loss = (x * x).sum()
    loss.backward()
    with pytest.warns(GradientAccumulationWarning):
        loss.backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)
    zero_grad(loss)
    loss.backward()
    loss.backward(accumulate=True)
    np.testing.assert_array_equal(x.grad, 4 * x.data)


def test_no_grad_records_nothing():
    W = Tensor(r(2, 2))
    with no_grad():
        y = (W @ W).sum()
    assert y.children == () and y.is_constant  # data, not a variable
    assert topological_order(y) == [y]


def test_anomaly_mode_names_the_op():
    a = Tensor([1e308, 1.0])
    with detect_anomaly(), np.errstate(over="ignore", divide="ignore"):
        with pytest.raises(AnomalyError, match=r"forward: mul.*inf"):
            a * 10.0
        x = Tensor([0.0, 1.0])
        y = (x ** 0.5).sum()  # d/dx sqrt(x) = inf at 0
        with pytest.raises(AnomalyError, match="backward"):
            y.backward()


def test_index_picks_class_probabilities_and_scatters_back():
    p = Tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    picked = p[np.arange(2), [0, 2]]
    np.testing.assert_array_equal(picked.data, [0.7, 0.6])
    (-picked.log()).mean().backward()
    np.testing.assert_allclose(p.grad, [[-1 / (2 * 0.7), 0, 0], [0, 0, -1 / (2 * 0.6)]])


# --- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("data, error, message", [
    ("1.5", TypeError, "string"),
    (None, TypeError, "None"),
    ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
    (np.array([1, "a"], dtype=object), TypeError, "str"),
    ([1 + 2j], TypeError, "complex"),
    ([Value(1.0)], TypeError, "Value"),
    (Value(1.0), TypeError, "Value"),
    (Tensor([1.0]), TypeError, "Tensor"),
    (np.array(["a", "b"]), TypeError, "text"),
    ([1.0, None], TypeError, "NoneType"),
])
def test_bad_constructor_input_is_named(data, error, message):
    with pytest.raises(error, match=message):
        Tensor(data)


def test_data_is_float64_and_a_copy():
    source = np.array([1, 2, 3])
    t = Tensor(source)
    source[0] = 100
    assert t.data.dtype == np.float64 and t.data[0] == 1.0
    assert Tensor(True).data.dtype == np.float64
    from fractions import Fraction
    assert Tensor(np.array([Fraction(1, 2), 2], dtype=object)).data.tolist() == [0.5, 2.0]


@pytest.mark.parametrize("make, pattern", [
    (lambda: Tensor(r(2, 3)) + Tensor(r(4)), r"add \(\+\): shapes \(2, 3\) and \(4,\)"),
    (lambda: Tensor(r(2, 3)) * r(3, 2), r"mul \(\*\): shapes \(2, 3\) and \(3, 2\)"),
    (lambda: Tensor(r(64, 784)) @ Tensor(r(128, 10)),
     r"matmul \(@\): shapes \(64, 784\) and \(128, 10\).*784.*128"),
    (lambda: Tensor(r(3)) @ Tensor(r(4)), r"matmul.*\(3,\) and \(4,\)"),
    (lambda: Tensor(2.0) @ Tensor(r(2)), r"matmul.*single numbers"),
    (lambda: Tensor(r(2, 3)).reshape(4, 2), r"reshape.*6 entries.*\(4, 2\)"),
    (lambda: Tensor(r(2, 3)).sum(axis=2), r"sum: axis 2 is out of range.*\(2, 3\)"),
    (lambda: Tensor(r(2, 3)).transpose(0, 0), r"transpose.*not a permutation"),
    (lambda: Tensor(r(2, 3)).transpose(0, 5), r"transpose.*\(0, 5\).*not a permutation"),
    (lambda: Tensor(r(2, 3)).broadcast_to((4, 3, 2)), r"broadcast.*\(4, 3, 2\)"),
    (lambda: Tensor(r(2, 3)).cross_entropy([0, 1, 2]), r"cross_entropy.*\(2,\).*\(3,\)"),
    (lambda: Tensor(r(2, 3)).cross_entropy([0, 3]), r"class indices.*0\.\.2"),
    (lambda: Tensor(r(2, 3)).cross_entropy(r(2, 2)), r"probabilities.*\(2, 3\).*\(2, 2\)"),
])
def test_shape_errors_name_the_op_and_the_shapes(make, pattern):
    with pytest.raises(ShapeError if "class indices" not in pattern else ValueError,
                       match=pattern):
        make()


def test_index_out_of_range_is_an_index_error_naming_the_shape():
    with pytest.raises(IndexError, match=r"index.*shape \(2, 3\)|index.*Tensor"):
        Tensor(r(2, 3))[5]


def test_domain_errors_name_the_op_and_the_entry():
    with pytest.raises(ArithmeticError, match=r"log.*positive.*entry \[1\]"):
        Tensor([1.0, -2.0, 3.0]).log()
    with pytest.raises(ArithmeticError, match=r"pow"):
        Tensor([1.0, 0.0]) ** -1.0
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Tensor([1.0]) / 0.0
    with pytest.raises(ArithmeticError, match="exp overflowed"):
        Tensor([1000.0]).exp()


def test_mixing_value_and_tensor_is_a_clear_error():
    for make in (lambda: Tensor([1.0]) + Value(2.0), lambda: Value(2.0) * Tensor([1.0]),
                 lambda: Value(2.0) - Tensor([1.0]), lambda: Tensor([1.0]) @ Value(1.0)):
        with pytest.raises(TypeError, match="Value.*Tensor|Tensor.*Value"):
            make()


def test_numpy_functions_do_not_silently_swallow_tensors():
    with pytest.raises(TypeError):
        np.exp(Tensor([1.0]))
    assert isinstance(np.ones(2) + Tensor([1.0, 2.0]), Tensor)


_NOT_AN_ARRAY = r"a (Tensor|Value) is a graph node, not an array: numpy functions cannot record it"


def _in_place_add(t):
    x = np.ones((2, 2))
    x += t


@pytest.mark.parametrize("call, advice", [
    (lambda t: np.sum(t), r"np\.sum\(\) got W=Tensor.*the Tensor's own method \.sum\(\) instead"),
    (lambda t: np.mean(t, axis=0), r"np\.mean\(\) got W=.*own method \.mean\(\) instead"),
    (lambda t: np.exp(t), r"np\.exp\(\) got W=.*own method \.exp\(\) instead"),
    (lambda t: np.tanh(t), r"np\.tanh\(\) got .*own method \.tanh\(\) instead"),
    (lambda t: np.log(t), r"np\.log\(\) got .*own method \.log\(\) instead"),
    (lambda t: np.maximum(t, 0.0), r"np\.maximum\(\) got .*Use x\.relu\(\) for max\(x, 0\)"),
    (lambda t: np.reshape(t, (4,)), r"np\.reshape\(\) got .*own method \.reshape\(\)"),
    (lambda t: np.transpose(t), r"np\.transpose\(\) got .*own method \.transpose\(\)"),
    (lambda t: np.dot(t, t), r"np\.dot\(\) got .*Use the operator @ instead"),
    (lambda t: np.sqrt(t), r"np\.sqrt\(\) got .*Use x \*\* 0\.5 instead"),
    (lambda t: np.max(t), r"np\.max\(\) got .*operators \(\+ - \* / \*\* @\) and methods "
                          r"\(\.broadcast_to, .*\.mean, .*\.sum, \.tanh, \.transpose\)"),
    (lambda t: np.concatenate([t, t]), r"np\.concatenate\(\) got .*methods \(\.broadcast_to"),
    (lambda t: np.linalg.norm(t), r"np\.linalg\.norm\(\) got W="),
    (lambda t: np.add.reduce(t), r"np\.add\.reduce\(\) got W="),
    (lambda t: np.add(t, 1.0, dtype=np.float64), r"np\.add\(\) got .*Use the operator \+ instead"),
    (_in_place_add, r"np\.add\(\) got .*write x = x \+ t \(a new node\), not x \+= t"),
    (lambda t: np.ones((2, 2)) < t, r"np\.less\(\) got W="),
    (lambda t: np.asarray(t), r"^a Tensor is a graph node.*methods \(\.broadcast_to"),
    (lambda t: np.asarray(Value(1.5)), r"^a Value is a graph node.*methods \(\.elu, \.exp, \.leaky_relu, \.log"),
    (lambda t: np.sum(Value(1.5, "a")), r"np\.sum\(\) got a=1\.5: .*the Value's operators"),
    (lambda t: np.exp(Value(1.5, "a")), r"np\.exp\(\) got a=1\.5: .*own method \.exp\(\)"),
    (lambda t: np.ones(2) @ Value(1.5), r"np\.matmul\(\) got 1\.5: .*operators \(\+ - \* / \*\*\) "),
])
def test_every_numpy_function_refuses_a_node_and_says_what_to_write(call, advice):
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], label="W")
    with pytest.raises(TypeError, match=advice) as info:
        call(t)
    assert re.search(_NOT_AN_ARRAY, str(info.value))
    assert "or its .data for the plain numbers" in str(info.value)
    np.testing.assert_array_equal(t.data, [[1.0, 2.0], [3.0, 4.0]])
    assert t.is_leaf and not t.grad.any()


def test_numpy_on_the_left_of_an_operator_still_builds_the_graph():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    W = Tensor([[0.4, 0.45], [0.5, 0.55]], label="W")
    y = x @ W  # np.matmul(x, W) hands over to W.__rmatmul__
    assert y.op is ops.MATMUL and y.children[1] is W
    np.testing.assert_allclose(y.data, x @ W.data, rtol=1e-15)
    (np.float64(2.0) * y - x / (x ** 2.0 + W)).sum().backward()
    # d/dW of sum(2 x W - x / (x^2 + W)) = 2 x^T 1 + sum over rows of x / (x^2 + W)^2
    expected = 2.0 * x.T @ np.ones((2, 2)) + x / (x ** 2 + W.data) ** 2
    np.testing.assert_allclose(W.grad, expected, rtol=1e-13)
    assert (x == W) is False and (x != W) is True  # identity, as between nodes
    assert np.shape(W) == (2, 2) and np.ndim(W) == 2 and np.size(W) == 4
    a = Value(3.0, "a")
    b = np.float64(2.0) * a - np.float64(1.0)
    b.backward()
    assert b.data == 5.0 and a.grad == 2.0


# --- display ---------------------------------------------------------------------------

def test_repr_shows_label_shape_data_and_grad():
    W = Tensor([[0.4, 0.45], [0.5, 0.55]], label="W2")
    (W * 2.0).sum().backward()
    text = repr(W)
    assert text.startswith("Tensor('W2', shape=(2, 2),")
    assert "0.450000" in text and "grad=[[2.000000, 2.000000]" in text
    assert repr(Tensor(0.391829, "E_total")) == "Tensor('E_total', data=0.391829, grad=0.000000)"


def test_html_repr_shows_shape_data_and_grad():
    W = Tensor(np.arange(120.0).reshape(10, 12), label="W<1>")
    page = W._repr_html_()
    assert "W&lt;1&gt;" in page and "shape (10, 12)" in page
    assert "119.000000" not in page and "…" in page  # big arrays are cut to a corner
    assert page.count("<table") == 2  # data and grad


def test_public_api():
    assert autograd.Tensor is Tensor
    assert all(op.vjp is not None for op in ops.TENSOR_OPS)


def test_conversions():
    t = Tensor([[1.5, 2.0], [3.0, 4.0]], label="t")
    assert t.shape == (2, 2) and t.ndim == 2 and t.size == 4 and len(t) == 2
    assert Tensor([[2.5]]).item() == 2.5 and float(Tensor(3.0)) == 3.0
    with pytest.raises(ValueError, match=r"item\(\).*\(2, 2\).*one-element"):
        t.item()
    copy = t.numpy()
    copy[0, 0] = 99.0
    assert t.data[0, 0] == 1.5
    d = (t * 2.0).detach()
    assert d.is_constant and d.children == () and d.data[1, 1] == 8.0
    (t.broadcast_to((3, 2, 2)) * 1.0).sum().backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 2), 3.0))



def test_power_gradients_are_decided_entry_by_entry(torch):
    base = np.array([2.0, -1.0, 0.0, 0.0])
    expo = np.array([2.0, 2.0, 2.0, 0.0])
    a, n = Tensor(base), Tensor(expo)
    (a ** n).sum().backward()
    ta = torch.tensor(base, requires_grad=True)
    tn = torch.tensor(expo, requires_grad=True)
    (ta ** tn).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy())
    np.testing.assert_allclose(n.grad, tn.grad.numpy())  # nan only where the base is < 0


def test_every_node_owns_its_gradient_array():
    from autograd import detect_anomaly, grad

    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    with detect_anomaly():  # the general backward path
        ((a + b) * 1.0).sum().backward()
    assert a.grad is not b.grad
    a.grad += 1.0  # leaves' grads are writable
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    ga, gb = grad((a + b).sum(), [a, b])
    assert ga is not gb
    c = Tensor([5.0, 6.0])
    (c * 2.0).sum().backward()
    c.grad *= 0.5  # after backward a leaf's grad is its own and writable
    np.testing.assert_array_equal(c.grad, [1.0, 1.0])


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda t: t.sum(axis=1.0), TypeError, "axis must be an int, a tuple of ints or None"),
        (lambda t: t.sum(axis="a"), TypeError, "axis must be an int"),
        (lambda t: t.reshape(6.0), TypeError, "new shape must be ints"),
        (lambda t: t.reshape(None), TypeError, "new shape must be ints"),
        (lambda t: Tensor(np.zeros((0, 3))).mean(), ValueError, "no entries to average"),
    ],
)
def test_bad_axes_and_shapes_get_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(Tensor(np.ones((2, 3))))


def test_gradcheck_rejects_a_list_input_clearly():
    from autograd import gradcheck

    with pytest.raises(TypeError, match="input x is a list"):
        gradcheck(lambda x: x.sum(), [[1.0, 2.0]])
