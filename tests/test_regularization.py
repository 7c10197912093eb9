"""Dropout (inverted scaling, train and eval modes, seeded masks) and L2 weight
decay (the loss term of the iris deck against the optimizers' weight_decay),
with the numbers they must give."""
import math

import numpy as np
import pytest

from autograd import Tensor, Value, grad
from nn import (MLP, SGD, Adam, Dropout, TensorMLP, evaluate, fit, l2_penalty, mse, using_mode)


def test_kept_entries_are_scaled_by_one_over_one_minus_p_and_the_rest_are_zero():
    drop = Dropout(0.25, seed=3)
    x = Tensor(np.arange(1.0, 4001.0).reshape(1000, 4))
    y = drop(x)
    mask = drop.last_mask
    assert set(np.unique(mask)) == {0.0, 1.0}
    np.testing.assert_allclose(y.data, x.data * mask / 0.75, rtol=1e-15)
    np.testing.assert_allclose(y.data[mask == 1] / x.data[mask == 1], 4.0 / 3.0, rtol=1e-15)
    assert np.all(y.data[mask == 0] == 0.0)
    # about p of the entries dropped: 4000 draws, standard deviation
    # sqrt(0.25 * 0.75 / 4000) = 0.0068; the bound is 4 of them
    assert abs((mask == 0).mean() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 4000)


def test_the_gradient_flows_only_through_kept_entries_scaled_the_same():
    drop = Dropout(0.5, seed=11)
    x = Tensor(np.linspace(-1.0, 1.0, 12).reshape(3, 4))
    w = np.arange(12.0).reshape(3, 4)
    (drop(x) * w).sum().backward()
    np.testing.assert_array_equal(x.grad, w * drop.last_mask * 2.0)


def test_a_seed_makes_the_masks_reproducible_and_successive_calls_draw_new_ones():
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    x = Tensor(np.ones(50))
    first_a, first_b = a(x).data, b(x).data
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(a(x).data, first_a)  # a second call: a new mask


def test_evaluation_mode_is_the_identity():
    drop = Dropout(0.9, seed=0)
    x = Tensor(np.arange(5.0))
    assert drop.eval() is drop and drop.training is False
    assert drop(x) is x  # nothing dropped, nothing scaled: the input itself
    values = [Value(1.0), Value(2.0)]
    assert drop(values) is values
    drop.train()
    assert drop(x) is not x and drop.training is True
    assert Dropout(0.0)(x) is x  # p = 0 drops nothing in training mode too


def test_the_mean_is_preserved_in_expectation():
    # 20000 draws of dropout(x), p = 0.5: each entry's mean over the draws is x
    # within 5 standard deviations of a mean of 20000, |x| sqrt(p / (1 - p) / 20000)
    p, draws = 0.5, 20000
    x = np.array([0.5, -1.0, 2.0, 3.5, -4.0])
    drop = Dropout(p, seed=2024)
    y = drop(Tensor(np.tile(x, (draws, 1)))).data
    tolerance = 5 * np.abs(x) * math.sqrt(p / (1 - p) / draws)
    assert np.all(np.abs(y.mean(axis=0) - x) < tolerance)
    assert np.all(tolerance < 0.15)  # the bound says something: 3.5% of |x|
    # without the 1/(1 - p) scaling the mean would be (1 - p) x: far outside the bound
    assert np.all(np.abs(y.mean(axis=0) * (1 - p) - x) > 10 * tolerance)


def test_dropout_of_a_scalar_layers_values():
    drop = Dropout(0.5, seed=5)
    xs = [Value(float(v)) for v in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]
    ys = drop(xs)
    assert [y.data for y in ys] == [x.data * 2.0 * k for x, k in zip(xs, drop.last_mask)]
    sum(ys[1:], ys[0]).backward()
    assert [x.grad for x in xs] == list(2.0 * drop.last_mask)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, math.nan, "0.5", True])
def test_a_bad_probability_is_named(p):
    with pytest.raises(ValueError, match=r"Dropout: p \(the probability of dropping an entry\) "
                                         r"must be a number with 0 <= p < 1, got"):
        Dropout(p)
    with pytest.raises(ValueError, match=r"TensorMLP: dropout: p .* must be a number with 0 <= p < 1"):
        TensorMLP(2, [3, 1], dropout=p)


def data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 3))
    return X, (X @ np.array([[0.5], [-1.0], [2.0]])) + 0.1 * rng.normal(size=(n, 1))


def test_tensor_mlp_with_dropout_has_the_same_weights_and_its_eval_outputs_are_the_plain_ones():
    X, Y = data()
    plain = TensorMLP(3, [16, 8, 1], "tanh", output_activation="identity", seed=4)
    dropped = TensorMLP(3, [16, 8, 1], "tanh", output_activation="identity", seed=4, dropout=0.5)
    for a, b in zip(plain.parameters(), dropped.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert dropped.training
    train_out = dropped(X).data
    assert not np.allclose(train_out, plain(X).data)
    with using_mode(dropped, False):
        np.testing.assert_array_equal(dropped(X).data, plain(X).data)
    assert dropped.training and dropped.dropout.training  # the mode it had, back
    # evaluate() and activations() measure the network itself: no dropout
    assert evaluate(dropped, X, Y) == evaluate(plain, X, Y)
    for a, b in zip(dropped.activations(X), plain.activations(X)):
        np.testing.assert_array_equal(a, b)
    dropped.eval()
    assert dropped.training is False and all(not m.training for m in dropped.modules())
    np.testing.assert_array_equal(dropped(X).data, plain(X).data)


def test_the_scalar_mlp_takes_dropout_too():
    plain = MLP(2, [6, 1], "tanh", seed=3)
    dropped = MLP(2, [6, 1], "tanh", seed=3, dropout=0.5)
    x = [0.3, -0.7]
    out = dropped(x)[0].data
    mask = dropped.dropout.last_mask
    assert 0 < mask.sum() < 6
    hidden = plain.forward_layers(x)[0]
    expected = plain.layers[1]([h * (2.0 * k) for h, k in zip(hidden, mask)])[0].data
    assert out == expected and out != plain(x)[0].data
    dropped.eval()
    assert dropped(x)[0].data == plain(x)[0].data


def test_fit_trains_in_training_mode_and_gives_the_model_back_in_its_own_mode():
    X, Y = data()
    seen = []
    model = TensorMLP(3, [8, 1], "tanh", output_activation="identity", seed=1, dropout=0.2)
    model.eval()
    fit(model, X, Y, epochs=3, progress=False, callback=lambda s: seen.append(s.model.training),
        validation=(X, Y))
    assert seen == [True] * 3 and model.training is False
    # sequential convention: layer-by-layer through the dropped outputs
    history = fit(model, X, Y, epochs=2, progress=False, convention="sequential", seed=0)
    assert all(math.isfinite(v) for v in history.loss)


# --- L2 weight decay ------------------------------------------------------------------------

def test_the_penalty_is_lambda_over_2_times_the_sum_of_squares():
    model = TensorMLP(3, [4, 2], seed=0)
    lam = 0.03
    expected = lam / 2 * sum(float((p.data ** 2).sum()) for p in model.parameters())
    assert l2_penalty(model, lam).item() == pytest.approx(expected, rel=1e-14)
    weights = [layer.W for layer in model.layers]
    assert l2_penalty(weights, lam).item() == pytest.approx(
        lam / 2 * sum(float((w.data ** 2).sum()) for w in weights), rel=1e-14)
    w = Value(0.8)
    assert l2_penalty([w, Value(-0.6)], 0.5).data == pytest.approx(0.25, rel=1e-15)


def test_grad_of_E_plus_the_penalty_is_grad_E_plus_lambda_w():
    X, Y = data(1)
    lam = 0.07
    model = TensorMLP(3, [5, 1], "sigmoid", output_activation="identity", seed=2)
    params = model.parameters()
    plain = grad(mse(model(X), Y), params)
    penalised = grad(mse(model(X), Y) + l2_penalty(model, lam), params)
    for p, g, gp in zip(params, plain, penalised):
        np.testing.assert_allclose(gp, g + lam * p.data, rtol=1e-13, atol=1e-16)
    # the scalar engine the same way
    mlp = MLP(2, [3, 1], seed=5)
    ps = mlp.parameters()
    E = lambda: mse(mlp([0.2, 0.9]), [0.4])  # noqa: E731
    for p, g, gp in zip(ps, grad(E(), ps), grad(E() + l2_penalty(mlp, lam), ps)):
        assert gp == pytest.approx(g + lam * p.data, rel=1e-13, abs=1e-16)


@pytest.mark.parametrize("make", [lambda ps, wd: SGD(ps, lr=0.3, weight_decay=wd),
                                  lambda ps, wd: SGD(ps, lr=0.3, momentum=0.9, weight_decay=wd),
                                  lambda ps, wd: Adam(ps, lr=0.01, weight_decay=wd)])
def test_the_optimizer_option_and_the_loss_term_train_the_same(make):
    X, Y = data(2)
    lam = 0.05
    a = TensorMLP(3, [6, 1], "tanh", output_activation="identity", seed=8)
    b = TensorMLP(3, [6, 1], "tanh", output_activation="identity", seed=8)
    opt_a, opt_b = make(a.parameters(), lam), make(b.parameters(), 0.0)
    for _ in range(20):
        opt_a.zero_grad()
        mse(a(X), Y).backward()
        opt_a.step()
        opt_b.zero_grad()
        (mse(b(X), Y) + l2_penalty(b, lam)).backward()
        opt_b.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa.data, pb.data, rtol=1e-12, atol=1e-14)


def test_the_penalty_alone_decays_each_weight_geometrically():
    # E = λ/2 w^2 alone: w <- w - η λ w = (1 - η λ) w each step, so w_k = (1 - η λ)^k w_0
    w = Tensor([0.8, -1.5, 2.0])
    lam, lr = 0.1, 0.5
    opt = SGD([w], lr=lr)
    for _ in range(25):
        opt.zero_grad()
        l2_penalty([w], lam).backward()
        opt.step()
    np.testing.assert_allclose(w.data, np.array([0.8, -1.5, 2.0]) * (1 - lr * lam) ** 25,
                               rtol=1e-13)


@pytest.mark.parametrize("lam", [-0.1, math.inf, "0.1"])
def test_a_bad_lambda_is_named(lam):
    with pytest.raises(ValueError, match=r"l2_penalty\(\): lam \(λ\) must be a number >= 0"):
        l2_penalty([Value(1.0)], lam)
