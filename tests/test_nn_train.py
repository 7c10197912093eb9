"""fit(): batch / SGD / mini-batch, history, callback, progress bar, early stopping,
and the sequential convention against a hand-computed reference."""
import math

import numpy as np
import pytest

from nn import MLP, SGD, History, Layer, TrainState, evaluate, fit, half_sse, mse
from nn.train import update

X = [[0.0, 1.0], [1.0, 0.5], [0.5, -1.0], [-1.0, 0.2], [0.3, 0.3]]
Y = [1.0, 0.2, -0.4, 0.5, 0.0]


def linear_model():
    return MLP(2, [1], activation="identity", seed=0)


def test_full_batch_gd_is_one_mean_gradient_step_per_epoch():
    model = linear_model()
    w = [p.data for p in model.parameters()]  # b, w1, w2 order: check by hand
    names = [p.label for p in model.parameters()]
    hist = fit(model, X, Y, loss="mse", optimizer=SGD(model.parameters(), lr=0.1), epochs=1,
               progress=False)
    # by hand: J = 1/N sum (y - t)^2, dJ/dw_j = 2/N sum (y - t) x_j
    p = dict(zip(names, w))
    preds = [p["w1"] * x[0] + p["w2"] * x[1] + p["b_o1"] for x in X]
    err = [yh - t for yh, t in zip(preds, Y)]
    n = len(X)
    expect = {"w1": p["w1"] - 0.1 * 2 / n * sum(e * x[0] for e, x in zip(err, X)),
              "w2": p["w2"] - 0.1 * 2 / n * sum(e * x[1] for e, x in zip(err, X)),
              "b_o1": p["b_o1"] - 0.1 * 2 / n * sum(err)}
    got = {q.label: q.data for q in model.parameters()}
    assert got == pytest.approx(expect, abs=1e-15)
    assert hist.loss == pytest.approx([sum(e * e for e in err) / n], abs=1e-15)
    assert len(hist.step_loss) == 1


def test_sgd_is_per_sample_and_shuffled_by_seed():
    steps = []
    model = linear_model()
    fit(model, X, Y, optimizer=SGD(model.parameters(), lr=0.01), epochs=2, batch_size=1,
        seed=4, progress=False, callback=lambda s: steps.append(s.batch_inputs[0]))
    assert len(steps) == 10
    order = np.random.default_rng(4)
    first = [X[i] for i in order.permutation(5)]
    assert steps[:5] == first and sorted(map(tuple, steps[:5])) == sorted(map(tuple, X))
    # the same seed gives the same run
    a, b = linear_model(), linear_model()
    ha = fit(a, X, Y, epochs=3, batch_size=1, seed=1, progress=False)
    hb = fit(b, X, Y, epochs=3, batch_size=1, seed=1, progress=False)
    assert ha.step_loss == hb.step_loss


def test_mini_batches_and_callback_state():
    seen: list[TrainState] = []
    model = linear_model()
    hist = fit(model, X, Y, epochs=2, batch_size=2, seed=0, progress=False, callback=seen.append)
    assert [len(s.batch_inputs) for s in seen] == [2, 2, 1, 2, 2, 1]
    assert [s.step for s in seen] == [1, 2, 3, 4, 5, 6]
    assert [s.epoch for s in seen] == [1, 1, 1, 2, 2, 2]  # epochs count from 1
    assert seen[0].model is model and seen[0].history is hist
    assert hist.loss[0] == pytest.approx(np.mean(hist.step_loss[:3]), abs=1e-15)


def test_progress_bar_is_quiet_when_not_a_terminal(capsys):
    fit(linear_model(), X, Y, epochs=3)
    assert capsys.readouterr().err == ""
    fit(linear_model(), X, Y, epochs=3, progress=True)
    assert "epoch" in capsys.readouterr().err


def test_early_stopping_restores_the_best_parameters():
    # validation targets the opposite of training: val loss falls, then rises
    Xv, Yv = X, [-y for y in Y]
    model = MLP(2, [1], activation="identity", seed=2)
    hist = fit(model, X, Y, epochs=200, optimizer=SGD(model.parameters(), lr=0.05),
               validation=(Xv, Yv), patience=3, progress=False)
    assert hist.stopped_early and hist.epochs < 200
    best = hist.best_epoch  # counted from 1, like hist.epochs
    assert hist.val_loss[best - 1] == min(hist.val_loss) == hist.best_val_loss
    assert hist.epochs == best + 3  # stopped after `patience` epochs without improvement
    assert evaluate(model, Xv, Yv, "mse") == pytest.approx(hist.val_loss[best - 1], abs=1e-15)
    assert repr(hist) == (f"History({hist.epochs} epochs, loss {hist.loss[-1]:.6f}, val_loss "
                          f"{hist.val_loss[-1]:.6f}, best epoch {best}, stopped early)")


def test_best_epoch_counts_from_one():
    # validation = training data, full batch, small steps: the loss falls every epoch
    model = linear_model()
    hist = fit(model, X, Y, epochs=4, optimizer=SGD(model.parameters(), lr=0.01),
               validation=(X, Y), progress=False)
    assert hist.best_epoch == 4 == hist.epochs and not hist.stopped_early
    assert "4 epochs" in repr(hist) and "best epoch 4" in repr(hist)
    assert hist.best_val_loss == hist.val_loss[-1]
    assert History().best_val_loss is None


def hand_mse(model):
    p = {q.label: q.data for q in model.parameters()}
    errors = [p["w1"] * x[0] + p["w2"] * x[1] + p["b_o1"] - t for x, t in zip(X, Y)]
    return sum(e * e for e in errors) / len(X)


def test_record_epoch_end_is_the_whole_training_loss_after_the_epoch():
    # mini-batches: the running mean mixes three sets of weights, epoch_end uses the last
    model = linear_model()
    hist = fit(model, X, Y, epochs=1, batch_size=2, seed=0, record="epoch_end", progress=False,
               optimizer=SGD(model.parameters(), lr=0.2))
    assert hist.record == "epoch_end"
    assert hist.loss == [pytest.approx(hand_mse(model), abs=1e-15)]
    other = linear_model()
    running = fit(other, X, Y, epochs=1, batch_size=2, seed=0, progress=False,
                  optimizer=SGD(other.parameters(), lr=0.2))
    assert running.record == "running"
    assert running.loss[0] == pytest.approx(np.mean(running.step_loss), abs=1e-15)
    assert abs(running.loss[0] - hist.loss[0]) > 1e-3  # the two records differ ...
    assert running.step_loss == hist.step_loss             # ... the training does not


def test_record_epoch_end_full_batch_is_the_next_epochs_step_loss():
    # full batch: the loss after epoch e's update is the loss epoch e+1 starts from
    model = linear_model()
    hist = fit(model, X, Y, epochs=5, record="epoch_end", progress=False,
               optimizer=SGD(model.parameters(), lr=0.1))
    assert hist.loss[:-1] == pytest.approx(hist.step_loss[1:], abs=1e-15)
    assert hist.loss[-1] == pytest.approx(hand_mse(model), abs=1e-15)
    assert all(a > b for a, b in zip(hist.loss, hist.loss[1:]))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs=-1), ValueError, r"epochs must be a positive int, got -1"),
    (dict(epochs=0), ValueError, r"epochs must be a positive int, got 0"),
    (dict(epochs=2.5), ValueError, r"epochs must be a positive int, got 2.5"),
    (dict(batch_size=True), ValueError, r"batch_size must be None or a positive int, got True"),
    (dict(batch_size=2.0), ValueError, r"batch_size must be None or a positive int, got 2.0"),
    (dict(patience=0, validation=(X, Y)), ValueError, r"patience must be None or a positive"),
    (dict(validation=X), TypeError, r"validation must be a pair \(X_val, Y_val\)"),
    (dict(validation=(X, Y[:2])), ValueError, r"validation X has 5 samples but validation Y has 2"),
    (dict(seed=-1), ValueError, r"fit\(\): seed must be None or an int >= 0, got -1"),
    (dict(callback=3), TypeError, r"callback must be a function"),
    (dict(optimizer="adamw"), ValueError,
     r"unknown optimizer 'adamw' \(choose from sgd, adagrad, rmsprop, adam"),
    (dict(optimizer=0.1), TypeError, r"optimizer must be an Optimizer such as SGD"),
])
def test_fit_argument_errors_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        fit(linear_model(), X, Y, progress=False, **kwargs)


def test_fit_rejects_nan_and_inf_in_the_data():
    bad_x = [row[:] for row in X]
    bad_x[3][1] = math.nan
    with pytest.raises(ValueError, match=r"fit\(\): X\[3\]\[1\] is nan; every input"):
        fit(linear_model(), bad_x, Y, progress=False)
    with pytest.raises(ValueError, match=r"fit\(\): Y\[2\] is inf"):
        fit(linear_model(), X, Y[:2] + [math.inf] + Y[3:], progress=False)
    with pytest.raises(ValueError, match=r"validation Y\[0\] is nan"):
        fit(linear_model(), X, Y, validation=(X, [math.nan] + Y[1:]), progress=False)
    with pytest.raises(ValueError, match=r"evaluate\(\): X\[0\]\[0\] is nan"):
        evaluate(linear_model(), np.array([[np.nan, 0.0]]), [0.0])


def test_fit_accepts_an_optimizer_by_name_with_its_default_lr():
    from nn import Adam

    a, b = linear_model(), linear_model()
    ha = fit(a, X, Y, optimizer="adam", epochs=3, progress=False)
    hb = fit(b, X, Y, optimizer=Adam(b.parameters()), epochs=3, progress=False)  # lr 0.001
    assert ha.step_loss == hb.step_loss
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = linear_model()
    hc = fit(c, X, Y, optimizer="SGD", epochs=2, progress=False)  # SGD(lr=0.1) as the default
    assert hc.step_loss == fit(linear_model(), X, Y, epochs=2, progress=False).step_loss


def test_fit_rejects_an_optimizer_of_another_model():
    model = MLP(2, [3, 1], seed=0)
    other = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"13 of the optimizer's 13 parameters \(first: w1\) are "
                                         r"not parameters of this model.*SGD\(model.parameters"):
        fit(model, X, Y, optimizer=SGD(other.parameters(), lr=0.5), epochs=3, progress=False)
    assert [p.data for p in model.parameters()] == before
    # extra parameters (this model's plus one more) are refused too
    from autograd import Value
    with pytest.raises(ValueError, match=r"1 of the optimizer's 14 parameters \(first: stray\)"):
        fit(model, X, Y, optimizer=SGD(model.parameters() + [Value(1.0, "stray")]),
            progress=False)
    # a subset of the model's own parameters is fine: only the output layer trains
    out_layer = model.layers[1].parameters()
    fit(model, X, Y, optimizer=SGD(out_layer, lr=0.5), epochs=2, progress=False)
    after = [p.data for p in model.parameters()]
    hidden = len(model.layers[0].parameters())
    assert after[:hidden] == before[:hidden] and after[hidden:] != before[hidden:]


def test_fit_errors():
    with pytest.raises(ValueError, match="X has 5 samples but Y has 4"):
        fit(linear_model(), X, Y[:4])
    with pytest.raises(ValueError, match="patience .* needs validation"):
        fit(linear_model(), X, Y, patience=2)
    with pytest.raises(ValueError, match="batch_size must be None or a positive int"):
        fit(linear_model(), X, Y, batch_size=0)
    with pytest.raises(ValueError, match="unknown convention 'staged'"):
        fit(linear_model(), X, Y, convention="staged")
    with pytest.raises(ValueError, match="unknown record 'last'.*running, epoch_end"):
        fit(linear_model(), X, Y, record="last")


# --- the sequential convention ----------------------------------------------------------------

def hand_sequential(W1, b1, W2, b2, x, t, lr, act, dact):
    """A textbook layer-by-layer update written out with numpy (a test oracle):
    update W2, then back-propagate through the *updated* W2."""
    net1 = W1 @ x + b1
    h = act(net1)
    net2 = W2 @ h + b2
    o = act(net2)
    d2 = (o - t) * dact(o)  # half_sse
    W2n = W2 - lr * np.outer(d2, h)
    b2n = b2 - lr * d2
    d1 = (W2n.T @ d2) * dact(h)
    W1n = W1 - lr * np.outer(d1, x)
    b1n = b1 - lr * d1
    return W1n, b1n, W2n, b2n


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_sequential_update_matches_hand_computation(act):
    fns = {"sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda y: y * (1 - y)),
           "tanh": (np.tanh, lambda y: 1 - y * y)}[act]
    rng = np.random.default_rng(5)
    W1, b1 = rng.normal(size=(3, 2)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(2, 3)), rng.normal(size=2)
    x, t = np.array([0.7, -1.2]), np.array([0.1, 0.9])
    model = MLP.from_layers([Layer(2, 3, act, weights=W1.tolist(), bias=b1.tolist()),
                             Layer(3, 2, act, weights=W2.tolist(), bias=b2.tolist())])
    opt = SGD(model.parameters(), lr=0.3)
    outs = model.forward_layers(x.tolist())
    update(model, half_sse(outs[-1], t.tolist()), opt, convention="sequential",
           layer_outputs=outs)
    W1n, b1n, W2n, b2n = hand_sequential(W1, b1, W2, b2, x, t, 0.3, *fns)
    l0, l1 = model.layers
    assert np.allclose([[w.data for w in n.w] for n in l0.neurons], W1n, atol=1e-15)
    assert np.allclose([n.b.data for n in l0.neurons], b1n, atol=1e-15)
    assert np.allclose([[w.data for w in n.w] for n in l1.neurons], W2n, atol=1e-15)
    assert np.allclose([n.b.data for n in l1.neurons], b2n, atol=1e-15)


def test_sequential_three_layers_uses_each_updated_layer():
    # with three layers, layer 1 sees layer 2 updated, which saw layer 3 updated
    rng = np.random.default_rng(9)
    Ws = [rng.normal(size=(2, 2)) for _ in range(3)]
    x, t, lr = np.array([0.4, -0.6]), np.array([0.3, 0.8]), 0.7
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    hs = [x]
    for W in Ws:
        hs.append(sig(W @ hs[-1]))
    new = [None, None, None]
    delta = (hs[3] - t) * hs[3] * (1 - hs[3])
    for l in (2, 1, 0):
        new[l] = Ws[l] - lr * np.outer(delta, hs[l])
        if l:
            delta = (new[l].T @ delta) * hs[l] * (1 - hs[l])
    model = MLP.from_layers([Layer(2, 2, weights=W.tolist(), bias=False) for W in Ws])
    outs = model.forward_layers(x.tolist())
    update(model, half_sse(outs[-1], t.tolist()), SGD(model.parameters(), lr=lr),
           convention="sequential", layer_outputs=outs)
    for layer, W in zip(model.layers, new):
        assert np.allclose([[w.data for w in n.w] for n in layer.neurons], W, atol=1e-15)


def test_sequential_and_simultaneous_agree_for_one_layer_and_in_fit():
    a, b = MLP(2, [2], seed=1), MLP(2, [2], seed=1)
    Y2 = [[y, -y] for y in Y]
    fit(a, X, Y2, loss="half_sse", epochs=5, progress=False, convention="sequential")
    fit(b, X, Y2, loss="half_sse", epochs=5, progress=False)
    assert [p.data for p in a.parameters()] == pytest.approx([p.data for p in b.parameters()],
                                                               abs=1e-15)
    # two layers: the conventions differ, and fit's batch version runs
    c, d = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=1)
    hc = fit(c, X, Y, epochs=3, progress=False, convention="sequential")
    hd = fit(d, X, Y, epochs=3, progress=False)
    assert hc.step_loss[0] == hd.step_loss[0] and hc.step_loss[-1] != hd.step_loss[-1]


def test_sequential_needs_layer_outputs():
    model = MLP(2, [1], seed=0)
    loss = mse(model([1, 2]), [0.0])
    with pytest.raises(ValueError, match="needs layer_outputs.*model.forward_layers"):
        update(model, loss, SGD(model.parameters()), convention="sequential")


def test_sequential_needs_a_layered_model():
    from autograd import Value
    from nn import Module

    class Line(Module):
        def __init__(self):
            self.w = Value(0.5, "w")

        def __call__(self, x):
            return [self.w * x[0]]

    model = Line()
    loss = mse(model([2.0]), [0.0])
    with pytest.raises(ValueError, match="needs a layered model.*Line has no .layers"):
        update(model, loss, SGD(model.parameters()), convention="sequential")
    with pytest.raises(ValueError, match="needs a layered model.*Line has not got them"):
        fit(model, [[1.0]], [0.0], convention="sequential", progress=False)


def test_sequential_observer_sees_each_edge_once_with_final_values():
    from chainrule.solver import Run
    from chainrule.spec import preset
    run = Run(preset("bp232"), "sequential")
    keys = [(id(s.parent), id(s.child)) for s in run.steps]
    from collections import Counter
    # an edge appears twice only when an op uses the same operand twice (x*x style); none here
    assert max(Counter(keys).values()) == 1
    # the trace invariant: the products flowing into a node sum to its grad
    into: dict[int, float] = {}
    for s in run.steps:
        into[id(s.child)] = into.get(id(s.child), 0.0) + s.product
    for name, node in run.nodes.items():
        if id(node) in into:
            assert into[id(node)] == pytest.approx(run.grad(name), abs=1e-15), name
    assert math.isclose(run.grad("out_h1"), 0.88109 * 0.097049 * 0.360968 - 0.003360, abs_tol=2e-6)


def test_fit_stops_with_a_clear_error_when_training_diverges():
    from nn import MLP
    from nn.train import TrainingDiverged, fit

    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    Y = [[5.0], [-5.0], [50.0], [0.0]]
    model = MLP(2, [8, 1], "relu", output_activation="identity", seed=0)
    with pytest.raises(TrainingDiverged, match=r"training diverged: the loss is (inf|nan) at epoch \d+, "
                                               r"step \d+ \(learning rate 5: try a smaller one\)"):
        fit(model, X, Y, loss="mse", optimizer=SGD(model.parameters(), lr=5.0), epochs=200,
            progress=False)
    assert all(np.isfinite(p.data) for p in model.parameters())
