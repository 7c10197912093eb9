"""The one chain rule (autograd/backward.py) and its public API: the fast paths
held against the general loop on random graphs, derivatives without side
effects, a pass in stages, path counts and the paths themselves."""
import math
import random

import numpy as np
import pytest

from autograd import (
    Tensor,
    Value,
    backward_from,
    count_paths,
    derivative,
    derivatives,
    edges_below,
    grad,
    paths,
    topological_order,
    zero_grad,
)

# --- random graphs -------------------------------------------------------------------

UNARY = [lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.relu(), lambda x: (x * 0.3).exp(),
         lambda x: (x * x + 1.0).log(), lambda x: x ** 2, lambda x: x ** 3, lambda x: -x,
         lambda x: x * 2.5]
BINARY = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y,
          lambda x, y: x / (y * y + 1.0), lambda x, y: (x * x + 0.5) ** y.tanh()]


def random_values(seed: int) -> tuple[Value, list[Value]]:
    """An expression of 3 inputs and up to 30 ops, each reusing earlier results
    (fan-out, several paths), with numbers lifted as constants."""
    rnd = random.Random(seed)
    leaves = [Value(rnd.uniform(-2, 2), f"x{i}") for i in range(3)]
    pool = list(leaves)
    for _ in range(rnd.randint(1, 30)):
        if rnd.random() < 0.4:
            pool.append(rnd.choice(UNARY)(rnd.choice(pool)))
        else:
            pool.append(rnd.choice(BINARY)(rnd.choice(pool), rnd.choice(pool)))
    return pool[-1] * 1.0 + pool[len(pool) // 2], leaves


def random_tensors(seed: int) -> tuple[Tensor, list[Tensor]]:
    """A small network of random shape: matmuls with a constant batch, broadcast
    biases, elementwise ops, reuse, reductions, indexing and a softmax loss."""
    rng = np.random.default_rng(seed)
    n, d, h, k = (int(v) for v in rng.integers(2, 6, 4))
    X = rng.standard_normal((n, d))
    W1, b1 = Tensor(rng.standard_normal((d, h)), "W1"), Tensor(rng.standard_normal(h), "b1")
    W2, b2 = Tensor(rng.standard_normal((h, k)), "W2"), Tensor(rng.standard_normal((1, k)), "b2")
    act = [lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: t.relu()][seed % 3]
    z = act(X @ W1 + b1)
    z = z * (z.sum(axis=0) * 0.1 + 1.0)            # reuse across a reduction
    logits = z @ W2 + b2 + (W1.T @ W1)[0, :k].sum() * 0.01 if h >= k else z @ W2 + b2
    targets = rng.integers(0, k, n)
    loss = logits.cross_entropy(targets) + (logits.softmax()[np.arange(n), targets]).mean()
    loss = loss + (W2.reshape(-1) ** 2).mean() * 0.1 + logits.log_softmax().T.sum() * 0.0
    return loss, [W1, b1, W2, b2]


def by_general_loop(root, leaves):
    """.grad of ``leaves`` from the general loop (an observer forces it)."""
    for leaf in leaves:
        leaf.grad = leaf.zero_gradient()
    root.backward(on_step=lambda step: None)
    return [leaf.grad for leaf in leaves]


def by_fast_path(root, leaves):
    for leaf in leaves:
        leaf.grad = leaf.zero_gradient()
    root.backward()
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("seed", range(60))
def test_the_float_fast_path_equals_the_general_loop_bit_for_bit(seed):
    out, leaves = random_values(seed)
    if not math.isfinite(out.data):
        return
    general = by_general_loop(out, leaves)
    fast = by_fast_path(out, leaves)
    d = derivatives(out)
    assert fast == general  # the same rules in the same order: the same bits
    assert [d.get(x, 0.0) for x in leaves] == general
    assert list(grad(out, leaves)) == general


@pytest.mark.parametrize("seed", range(24))
def test_the_array_fast_path_equals_the_general_loop(seed):
    loss, params = random_tensors(seed)
    general = by_general_loop(loss, params)
    fast = by_fast_path(loss, params)
    for g, f, d in zip(general, fast, grad(loss, params)):
        assert f.shape == g.shape
        np.testing.assert_allclose(f, g, rtol=1e-15, atol=1e-15)
        np.testing.assert_allclose(d, g, rtol=1e-15, atol=1e-15)
    assert any(np.any(g) for g in general)


# --- derivatives -----------------------------------------------------------------------

def slides_232():
    """The 2-3-2 network of the BP slides, each value named as the slides name it."""
    from nn.losses import half_sse
    from slides import slides_232_model

    model = slides_232_model()
    E = half_sse([model([5.0, 10.0])], [[0.01, 0.99]])
    return E, {n.label: n for n in topological_order(E) if n.label}


def test_derivatives_touch_no_grad_and_give_the_slides_figures():
    E, n = slides_232()
    d = derivatives(E)
    assert all(v.grad == 0.0 for v in topological_order(E))  # no side effect
    assert round(d[n["w7"]], 6) == 0.078064
    assert round(derivative(n["E_o1"], n["out_o1"]), 5) == 0.88109
    assert round(derivative(n["out_o1"], n["net_o1"]), 6) == 0.097049
    assert round(derivative(n["net_o1"], n["w7"]), 6) == 0.912934
    assert derivative(n["net_o1"], n["w1"]) != 0.0 and derivative(n["w1"], n["E_total"]) == 0.0
    E.backward()
    for node, g in d.items():
        assert g == node.grad  # the fast path's numbers, bit for bit


def test_stop_at_gives_the_derivative_through_the_part_above():
    x = Value(2.0, "x")
    y = (x * x).named("y")           # dy/dx = 4
    z = (y * 3.0 + x).named("z")     # dz/dy = 3, dz/dx = 3*4 + 1 = 13
    assert derivative(z, x) == 13.0
    d = derivatives(z, stop_at=[y])
    assert d[y] == 3.0 and d[x] == 1.0  # only the direct path to x: y passes nothing on
    counts = count_paths(z, stop_at=[y])
    assert (counts[z], counts[y], counts[x]) == (1, 1, 1)
    assert count_paths(z)[x] == 3  # without the stop: x * x gives two more


def test_given_local_derivatives_replace_the_rules():
    # the factors a recorded pass used: here the observer's, then the data changes
    a, b = Value(3.0, "a"), Value(4.0, "b")
    c = (a * b).named("c")
    steps = []
    c.backward(on_step=steps.append)
    recorded = {}
    for s in steps:
        recorded.setdefault(s.parent, []).append((s.child, s.local))
    b.data = 100.0
    assert derivative(c, a) == 100.0          # the rule at the current data
    assert derivatives(c, local=recorded)[a] == 4.0  # the recorded factor


def test_create_graph_gives_second_derivatives():
    x = Value(0.5)
    y = x.tanh() * x
    (dy,) = grad(y, x, create_graph=True)
    d2 = derivative(dy, x)
    t = math.tanh(0.5)
    assert dy.data == pytest.approx(t + 0.5 * (1 - t * t), rel=1e-15)
    assert d2 == pytest.approx(2 * (1 - t * t) - 2 * 0.5 * t * (1 - t * t), rel=1e-13)
    assert derivatives(y, create_graph=True)[x].data == dy.data


def test_a_top_with_several_entries_is_a_clear_error():
    t = Tensor([1.0, 2.0]) * 2.0
    with pytest.raises(ValueError, match=r"derivatives\(\): Tensor\(\[2.0, 4.0\]\) has 2 entries"):
        derivatives(t)


def test_a_deep_chain_needs_no_recursion():
    x = Value(1.0, "x")
    y = x
    for _ in range(50_000):
        y = y * 1.0
    assert derivative(y, x) == 1.0
    assert count_paths(y)[x] == 1
    (path,) = paths(y, x)
    assert len(path.factors) == 50_000


# --- a pass in stages ----------------------------------------------------------------

def test_a_pass_in_stages_equals_one_pass():
    E, n = slides_232()
    E.backward()
    full = {name: node.grad for name, node in n.items()}
    zero_grad(E)
    outs = [n["out_h1"], n["out_h2"], n["out_h3"]]
    # stage 1: from E_total down to the hidden outputs, into .grad
    backward_from([(E, 1.0)], stop_at=outs)
    assert n["w7"].grad == full["w7"] and n["w1"].grad == 0.0
    assert [o.grad for o in outs] == [full[o.label] for o in outs]
    # stage 2: continue from them, with their grads as seeds, into a dict
    got = backward_from({o: o.grad for o in outs}, into={})
    assert got[n["w1"]] == full["w1"] and n["w1"].grad == 0.0
    assert n["l1"] not in got or got[n["l1"]] == full["l1"]
    backward_from([(o, o.grad) for o in outs])
    assert n["w1"].grad == full["w1"] and n["b1"].grad == full["b1"]


# --- paths -----------------------------------------------------------------------------

def test_paths_are_counted_not_listed_and_sum_to_the_derivative():
    a = Value(1.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    p = paths(c, a)
    assert p.count == 4 == count_paths(c)[a]
    assert [(q.factors, q.product, q.positions) for q in p] == [
        ((1.0, 1.0), 1.0, (0, 0)), ((1.0, 1.0), 1.0, (0, 1)),
        ((1.0, 1.0), 1.0, (1, 0)), ((1.0, 1.0), 1.0, (1, 1))]
    x = a
    for _ in range(20):
        x = x + x
    many = paths(x, a)
    assert many.count == 2 ** 20 and many.derivative() == 2.0 ** 20
    first = next(iter(many))  # lazily: one path without the other million
    assert len(first.nodes) == 21 and first.product == 1.0
    assert paths(a, x).count == 0 and paths(a, a).count == 1


def test_paths_through_the_named_nodes_are_the_slides_chain():
    E, n = slides_232()
    named = [v for v in topological_order(E) if v.label]
    (p7,) = paths(E, n["w7"], through=named)
    assert [v.label for v in p7.nodes] == ["E_total", "E_o1", "out_o1", "net_o1", "w7"]
    assert [round(f, 6) for f in p7.factors] == [1.0, 0.88109, 0.097049, 0.912934]
    both = list(paths(E, n["w1"], through=named))
    assert len(both) == 2
    assert sum(q.product for q in both) == pytest.approx(derivative(E, n["w1"]), rel=1e-14)
    # folded: d net_h1 / d w1 through the products and partial sums of the weighted sum
    (w1, l1, w2, l2, b1) = edges_below(n["net_h1"], through=named)
    assert (w1.child, w1.factor, l1.child, l1.factor, b1.child, b1.factor) == (
        n["w1"], 5.0, n["l1"], 0.1, n["b1"], 1.0)
    assert (w2.factor, l2.factor) == (10.0, 0.15)
    # the same graph through every node: more, shorter steps, the same sum
    full = list(paths(E, n["w1"]))
    assert len(full) == 2 and len(full[0].nodes) > len(both[0].nodes)
    assert [q.product for q in full] == pytest.approx([q.product for q in both], rel=1e-14)


def test_folded_edges_sum_their_paths():
    x, c = Value(3.0, "x"), Value(2.0)
    y = (x * x * c).named("y")  # x reaches y along two unnamed paths
    (ex, ec) = edges_below(y, through={x, c, y})
    assert (ex.child, ex.factor, ex.paths, ex.position) == (x, 12.0, 2, None)
    assert (ec.child, ec.factor, ec.paths) == (c, 9.0, 1)
    (e0, e1) = edges_below(x * x)
    assert (e0.position, e1.position, e0.factor, e1.factor) == (0, 1, 3.0, 3.0)


def test_paths_through_a_jacobian_op_are_a_clear_error():
    t = Tensor([1.0, 2.0], "t")
    s = (t * t).sum()
    with pytest.raises(ValueError, match="gradient paths need scalar local derivatives, but "
                                         "op 'sum'"):
        list(paths(s, t))
