"""Losses: closed forms, reductions, gradients (finite differences and torch), labels, errors."""
import math

import numpy as np
import pytest

from autograd import Value, gradcheck
from nn import losses

OUT = [0.2, 0.7]
TGT = [0.0, 1.0]


def values(xs):
    return [Value(x) for x in xs]


def test_half_sse_is_the_slides_e_total_with_labels():
    outs = values([0.891090, 0.904330])
    for o, name in zip(outs, ["out_o1", "out_o2"]):
        o.label = name
    e = losses.half_sse(outs, [0.01, 0.99])
    assert e.label == "E_total"
    assert e.data == pytest.approx(0.5 * 0.88109 ** 2 + 0.5 * 0.08567 ** 2, abs=1e-12)
    terms = sorted(c.label for c in e.children)
    assert terms == ["E_o1", "E_o2"]
    e.backward()
    assert outs[0].grad == pytest.approx(-(0.01 - 0.891090), abs=1e-12)  # -(target - out)


@pytest.mark.parametrize("name, expected", [
    ("half_sse", 0.5 * ((0.2 - 0) ** 2 + (0.7 - 1) ** 2 + (0.4 - 1) ** 2 + (0.1 - 0) ** 2)),
    ("mse", ((0.2 - 0) ** 2 + (0.7 - 1) ** 2 + (0.4 - 1) ** 2 + (0.1 - 0) ** 2) / 2),
    ("mse_half", ((0.2 - 0) ** 2 + (0.7 - 1) ** 2 + (0.4 - 1) ** 2 + (0.1 - 0) ** 2) / 4),
    ("absolute", (0.2 + 0.3 + 0.6 + 0.1) / 2),
    ("cross_entropy", -(math.log(0.7) + math.log(0.4)) / 2),
])
def test_batch_reductions_closed_form(name, expected):
    outs = [values([0.2, 0.7]), values([0.4, 0.1])]
    tgts = [[0.0, 1.0], [1.0, 0.0]]
    assert losses.LOSSES[name](outs, tgts).data == pytest.approx(expected, abs=1e-15)


def test_hinge_closed_form_and_target_check():
    outs = [values([0.3, -2.0]), values([1.5, 0.2])]
    got = losses.hinge(outs, [[1, -1], [1, -1]]).data
    assert got == pytest.approx(((1 - 0.3) + 0 + 0 + (1 + 0.2)) / 2, abs=1e-15)
    with pytest.raises(ValueError, match="targets must be -1 or \\+1, got 0"):
        losses.hinge(values([0.3]), [0])


def test_cross_entropy_accepts_class_indices():
    outs = [values([0.2, 0.8]), values([0.6, 0.4])]
    a = losses.cross_entropy(outs, [1, 0]).data
    b = losses.cross_entropy(outs, [[0, 1], [1, 0]]).data
    assert a == b == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2, abs=1e-15)
    with pytest.raises(ValueError, match="class index 2 of sample 0 is outside 0..1"):
        losses.cross_entropy(outs, [2, 0])


@pytest.mark.parametrize("name", ["half_sse", "mse", "mse_half", "absolute", "cross_entropy"])
def test_gradients_match_finite_differences(name):
    fn = losses.LOSSES[name]
    result = gradcheck(lambda a, b: fn([a, b], [0.3, 0.9]), [0.25, 0.6])
    assert result, str(result)


@pytest.mark.parametrize("name, torch_fn", [
    ("mse", lambda o, t, F: F.mse_loss(o, t)),  # one output per sample: same as torch
    ("absolute", lambda o, t, F: F.l1_loss(o, t)),
    ("half_sse", lambda o, t, F: 0.5 * F.mse_loss(o, t, reduction="sum")),
])
def test_against_torch(name, torch_fn):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    o_data = [0.2, -0.4, 1.3]
    t_data = [0.5, -0.1, 1.0]
    outs = [[Value(x)] for x in o_data]
    ours = losses.LOSSES[name](outs, [[t] for t in t_data])
    ours.backward()
    o = torch.tensor(o_data, dtype=torch.float64, requires_grad=True)
    ref = torch_fn(o, torch.tensor(t_data, dtype=torch.float64), F)
    ref.backward()
    assert ours.data == pytest.approx(ref.item(), abs=1e-15)
    assert [r[0].grad for r in outs] == pytest.approx(o.grad.tolist(), abs=1e-15)


def test_cross_entropy_on_softmax_against_torch():
    torch = pytest.importorskip("torch")
    from nn import Layer
    layer = Layer(2, 3, "softmax", weights=[[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]],
                  bias=[0.0, 0.1, -0.1], neuron_names=["a", "b", "c"])
    xs = [[1.0, 2.0], [-0.5, 0.3]]
    outs = [layer([Value(v) for v in x]) for x in xs]
    loss = losses.cross_entropy(outs, [2, 0])
    loss.backward()
    W = torch.tensor([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.0, 0.1, -0.1], dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(torch.tensor(xs, dtype=torch.float64) @ W.T + b,
                                            torch.tensor([2, 0]))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), abs=1e-14)
    grads = [[w.grad for w in n.w] for n in layer.neurons]
    assert np.allclose(grads, W.grad.numpy(), atol=1e-14)


def test_shape_errors_name_the_problem():
    with pytest.raises(ValueError, match="sample 0 has 2 outputs but its target has 3 values"):
        losses.mse(values([1, 2]), [1, 2, 3])
    with pytest.raises(ValueError, match="2 output rows but 1 target rows"):
        losses.mse([values([1]), values([2])], [[1]])
    with pytest.raises(ValueError, match="unknown loss 'l2' \\(choose from half_sse"):
        losses.get_loss("l2")
    with pytest.raises(ValueError, match="not a probability > 0"):
        losses.cross_entropy(values([0.0, 1.0]), [1, 0])


def test_bad_targets_are_named():
    with pytest.raises(ValueError, match=r"mse: target 1 of sample 0 is nan; targets must be finite"):
        losses.mse(values([1, 2]), [0.5, math.nan])
    with pytest.raises(TypeError, match=r"half_sse: target 0 of sample 1 must be a number, got str"):
        losses.half_sse([values([1]), values([2])], [[0.0], ["x"]])
    Tensor = pytest.importorskip("autograd.tensor").Tensor
    with pytest.raises(ValueError, match=r"mse: target \[1, 0\] is inf; targets must be finite"):
        losses.mse(Tensor(np.zeros((2, 1))), np.array([[0.0], [np.inf]]))


def test_cross_entropy_advice_fits_a_sigmoid_output_that_rounded_to_zero():
    out = (Value(-800.0)).sigmoid().named("out_o1")
    assert out.data == 0.0
    with pytest.raises(ValueError, match=r"out_o1.* is not a probability > 0 \(a sigmoid output so "
                                         r"close to 0 that it rounded to 0"):
        losses.cross_entropy([out], [1.0])


def test_tensor_path_matches_scalar_path():
    Tensor = pytest.importorskip("autograd.tensor").Tensor
    o = np.array([[0.2, 0.7], [0.4, 0.1]])
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    for name in ["half_sse", "mse", "mse_half", "absolute", "cross_entropy"]:
        scalar = losses.LOSSES[name]([values(r) for r in o], t.tolist()).data
        tensor = losses.LOSSES[name](Tensor(o), t).data
        assert float(tensor) == pytest.approx(scalar, abs=1e-15), name


@pytest.mark.parametrize("name", ["half_sse", "mse", "mse_half", "absolute", "hinge"])
def test_tensor_losses_are_labelled_like_the_scalar_ones(name):
    from autograd import Tensor
    from nn.losses import get_loss

    out = get_loss(name)(Tensor([[0.2, -0.4]]), np.array([[1.0, -1.0]]))
    assert out.label == "E_total"
